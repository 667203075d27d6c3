"""Signed links to a card's attachments, for messengers whose buttons can only open URLs."""

from __future__ import annotations

import datetime as dt

from core.config import Settings
from handlers.card import Card

Link = tuple[str, str]  # (label, url)


def attachment_links(card: Card, settings: Settings, now: dt.datetime | None = None) -> list[Link]:
    """``(title, signed URL)`` per attachment; none when ``DOWNLOAD_SECRET`` is unset (links would not verify)."""
    if not card.attachments or settings.download_secret is None:
        return []
    from handlers.downloads import signed_download_url  # the downloads module pulls in storage

    moment = now or dt.datetime.now(dt.UTC)
    secret = settings.download_secret.get_secret_value()
    return [
        (
            attachment.title,
            signed_download_url(
                settings.public_base_url,
                secret,
                attachment.download_id,
                settings.download_ttl_seconds,
                moment,
            ),
        )
        for attachment in card.attachments
    ]
