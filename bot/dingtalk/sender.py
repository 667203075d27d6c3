"""Posting cards to a DingTalk custom group robot (alerts, digests) or a callback's ``sessionWebhook``.

Each message is paced by a per-robot sliding-window limiter (20 per minute, queued not dropped), signed
with the robot secret when one is set (a fresh timestamp per message: a signature is valid one hour), and
checked: ``errcode`` 130101/410100 ("send too fast") are retryable after DingTalk's 10-minute block, -1
("system busy") after 30 s, every other non-zero code is permanent (310000 wrong signature/keyword/IP,
300001 bad token, 400013 group gone, 460101 message too long…).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from bot.chart_store import ChartStore, chart_or_none, chart_publisher, render_png
from bot.dingtalk.render import Message, render_messages
from bot.dingtalk.signing import signed_webhook_url
from bot.rate_limit import Clock, SlidingWindowLimiter, SystemClock, shared_limiter
from bot.robot_http import ErrcodePolicy, request_json, send_in_order
from bot.robot_markdown import Link
from core.config import Settings
from handlers.card import Card, Chart

POLICY = ErrcodePolicy(platform="dingtalk", throttled={130101: 600.0, 410100: 600.0})


def post_message(
    http: httpx.Client, url: str, message: Message, *, timeout_s: float = 10.0
) -> dict[str, Any]:
    """One message to a DingTalk webhook URL (already signed, or a session webhook)."""
    return request_json(http, "POST", url, POLICY, json=message, timeout=timeout_s)


class DingTalkSender:
    def __init__(
        self,
        webhook_url: str,
        secret: str | None = None,
        *,
        http: httpx.Client | None = None,
        clock: Clock | None = None,
        limiter: SlidingWindowLimiter | None = None,
        chart_url: Callable[[Chart], str] | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.webhook_url = webhook_url
        self.secret = secret
        self.http = http or httpx.Client()
        self.clock: Clock = clock or SystemClock()
        if limiter is None:
            limiter = SlidingWindowLimiter(clock=clock) if clock else shared_limiter(webhook_url)
        self.limiter = limiter
        self.chart_url = chart_url
        self.timeout_s = timeout_s

    def _url(self) -> str:
        if not self.secret:
            return self.webhook_url
        return signed_webhook_url(self.webhook_url, self.secret, int(self.clock.time() * 1000))

    def send_message(self, message: Message) -> dict[str, Any]:
        self.limiter.acquire()
        return post_message(self.http, self._url(), message, timeout_s=self.timeout_s)

    def messages(self, card: Card, downloads: Sequence[Link] | None = None) -> list[Message]:
        """The card as this robot's messages, in order (the chart published as an image URL)."""
        return render_messages(card, downloads, chart_image_url=chart_or_none(card, self.chart_url))

    def send_card(self, card: Card, downloads: Sequence[Link] | None = None) -> list[dict[str, Any]]:
        """Every message of the card, in order; returns DingTalk's replies."""
        return send_in_order(self.messages(card, downloads), self.send_message)


def sender_from_settings(
    settings: Settings, *, chart_png: Callable[[Chart], bytes] | None = None, http: httpx.Client | None = None
) -> DingTalkSender | None:
    """The group robot sender, or None when ``DINGTALK_WEBHOOK_URL`` is unset (DingTalk is off).

    Charts are rendered (``chart_png``, default matplotlib) into ``{DATA_DIR}/charts`` and linked from
    ``PUBLIC_BASE_URL``; that URL must be reachable from DingTalk's servers for images to show.
    """
    if not settings.dingtalk_webhook_url:
        return None
    store = ChartStore(settings.data_dir / "charts")
    chart_url = chart_publisher(store, settings.public_base_url, chart_png or render_png)
    secret = settings.dingtalk_secret.get_secret_value() if settings.dingtalk_secret else None
    return DingTalkSender(settings.dingtalk_webhook_url, secret, http=http, chart_url=chart_url)
