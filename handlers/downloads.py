"""Downloadable documents: storing them, and signed, expiring links to ``/downloads/{token}``.

A token is ``<download_id>.<expiry unix seconds>.<signature>`` where the signature is HMAC-SHA256 over
``<download_id>.<expiry>`` with ``DOWNLOAD_SECRET`` (URL-safe base64, unpadded). Verification recomputes it
and compares in constant time (``hmac.compare_digest``) before looking at the expiry, so a forged token
never reveals whether its id exists or has expired. Nothing about the link is stored: any replica holding
the secret can verify it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import uuid

from sqlalchemy.engine import Engine

from core.documents.models import Document
from handlers.card import Attachment, Button, Card
from storage.downloads_repo import load_download, save_download

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class DownloadTokenError(ValueError):
    """A download token that must be refused."""


class MalformedDownloadToken(DownloadTokenError):
    """Not a token of ours (wrong shape)."""


class ForgedDownloadToken(DownloadTokenError):
    """The signature does not match: altered or made up."""


class ExpiredDownloadToken(DownloadTokenError):
    """Genuine, but past its expiry."""


def _signature(secret: str, download_id: str, expires_at: int) -> str:
    digest = hmac.new(secret.encode(), f"{download_id}.{expires_at}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_download_token(secret: str, download_id: str, expires_at: int) -> str:
    if not _ID.match(download_id):
        raise ValueError(f"download id {download_id!r} is not URL-safe")
    return f"{download_id}.{expires_at}.{_signature(secret, download_id, expires_at)}"


def verify_download_token(secret: str, token: str, now: dt.datetime) -> str:
    """The download id of a genuine, unexpired token; raises a ``DownloadTokenError`` subclass otherwise."""
    parts = token.split(".")
    if len(parts) != 3 or not _ID.match(parts[0]) or not parts[1].isdigit():
        raise MalformedDownloadToken("malformed download token")
    download_id, expiry_text, signature = parts
    expected = _signature(secret, download_id, int(expiry_text))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise ForgedDownloadToken("download token signature does not match")
    if int(expiry_text) < int(now.timestamp()):
        raise ExpiredDownloadToken("download link has expired")
    return download_id


def signed_download_url(base_url: str, secret: str, download_id: str, ttl_s: int, now: dt.datetime) -> str:
    expires_at = int(now.timestamp()) + ttl_s
    return f"{base_url.rstrip('/')}/downloads/{sign_download_token(secret, download_id, expires_at)}"


def store_download(engine: Engine, document: Document, now: dt.datetime | None = None) -> str:
    """Keep ``document`` for download buttons and links; returns its id (put it in the card's button value)."""
    download_id = uuid.uuid4().hex
    save_download(engine, download_id, document, now or dt.datetime.now(dt.UTC))
    return download_id


def offer_download(
    card: Card, engine: Engine, document: Document, *, button: str | None = None, style: str | None = None
) -> str:
    """Store ``document`` and attach it to ``card``; with a ``button`` label also add a download button
    (``style`` "primary" to make it the card's main action). Returns the download id."""
    download_id = store_download(engine, document)
    card.attachments.append(
        Attachment(
            download_id=download_id,
            filename=document.filename,
            title=document.title,
            media_type=document.media_type,
        )
    )
    if button is not None:
        card.buttons.append(Button(action_id="download", label=button, value=download_id, style=style))
    return download_id


def fetch_download(engine: Engine, download_id: str) -> Document | None:
    return load_download(engine, download_id)
