"""Posting cards to a WeCom group robot: markdown parts, the chart as an image, documents as files.

Each message is paced by a per-robot sliding-window limiter (20 per minute, queued not dropped). Replies are
checked: ``errcode`` 45009 ("api freq out of limit") is retryable after a minute, -1 ("system busy") after
30 s; others are permanent (93000 invalid webhook key, 40008 invalid message type, 40009 bad image…).

Files (checklists, templates) go through the robot's upload API — ``/cgi-bin/webhook/upload_media?key=…
&type=file``, multipart field ``media``, 5 B to 20 MB — and are then sent as a ``file`` message by
``media_id`` (valid three days).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from bot.chart_store import chart_or_none, render_png
from bot.delivery_errors import PermanentDeliveryError
from bot.rate_limit import Clock, SlidingWindowLimiter, shared_limiter
from bot.robot_http import ErrcodePolicy, request_json, send_in_order
from bot.robot_markdown import Link
from bot.wecom.render import Message, robot_messages
from core.config import Settings
from handlers.card import Card, Chart

POLICY = ErrcodePolicy(platform="wecom", throttled={45009: 60.0, 45033: 60.0})
MIN_FILE_BYTES = 6
MAX_FILE_BYTES = 20 * 1024 * 1024

NamedFile = tuple[str, bytes]  # (filename, content)


def upload_url(webhook_url: str) -> str:
    """``…/webhook/send?key=K`` → ``…/webhook/upload_media?key=K&type=file``."""
    parts = urlsplit(webhook_url)
    path = parts.path.rsplit("/", 1)[0] + "/upload_media"
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "type"] + [("type", "file")]
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


class WeComSender:
    def __init__(
        self,
        webhook_url: str,
        *,
        http: httpx.Client | None = None,
        clock: Clock | None = None,
        limiter: SlidingWindowLimiter | None = None,
        chart_png: Callable[[Chart], bytes] | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.webhook_url = webhook_url
        self.http = http or httpx.Client()
        if limiter is None:
            limiter = SlidingWindowLimiter(clock=clock) if clock else shared_limiter(webhook_url)
        self.limiter = limiter
        self.chart_png = chart_png
        self.timeout_s = timeout_s

    def send_message(self, message: Message) -> dict[str, Any]:
        self.limiter.acquire()
        return request_json(self.http, "POST", self.webhook_url, POLICY, json=message, timeout=self.timeout_s)

    def upload_file(self, filename: str, content: bytes) -> str:
        """The ``media_id`` of an uploaded file."""
        if not MIN_FILE_BYTES <= len(content) <= MAX_FILE_BYTES:
            raise PermanentDeliveryError(
                f"file {filename!r} has {len(content)} bytes; WeCom accepts 6 B to 20 MB", platform="wecom"
            )
        reply = request_json(
            self.http,
            "POST",
            upload_url(self.webhook_url),
            POLICY,
            files={"media": (filename, content, "application/octet-stream")},
            timeout=self.timeout_s * 3,
        )
        media_id = reply.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise PermanentDeliveryError("upload reply has no media_id", platform="wecom")
        return media_id

    def send_file(self, filename: str, content: bytes) -> dict[str, Any]:
        media_id = self.upload_file(filename, content)
        return self.send_message({"msgtype": "file", "file": {"media_id": media_id}})

    def messages(self, card: Card, downloads: Sequence[Link] | None = None) -> list[Message]:
        """The card as this robot's messages, in order: the markdown parts, then the chart image."""
        return robot_messages(card, downloads, chart_png=chart_or_none(card, self.chart_png))

    def send_card(
        self,
        card: Card,
        downloads: Sequence[Link] | None = None,
        files: Sequence[NamedFile] | None = None,
    ) -> list[dict[str, Any]]:
        """Markdown parts, the chart image, then each file; returns WeCom's replies in that order."""
        senders: list[Callable[[], dict[str, Any]]] = [
            (lambda message=message: self.send_message(message)) for message in self.messages(card, downloads)
        ]
        senders += [(lambda name=name, data=data: self.send_file(name, data)) for name, data in files or []]
        return send_in_order(senders, lambda send: send())


def sender_from_settings(
    settings: Settings, *, chart_png: Callable[[Chart], bytes] | None = None, http: httpx.Client | None = None
) -> WeComSender | None:
    """The group robot sender, or None when ``WECOM_WEBHOOK_URL`` is unset (WeCom alerts are off)."""
    if not settings.wecom_webhook_url:
        return None
    return WeComSender(settings.wecom_webhook_url, http=http, chart_png=chart_png or render_png)
