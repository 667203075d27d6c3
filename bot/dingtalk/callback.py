"""``POST /dingtalk/callback``: @-messages from an enterprise-internal DingTalk robot become command replies.

Checks, in order (each failure is a 401 and nothing runs):
1. ``timestamp``/``sign`` headers: HMAC-SHA256 with ``DINGTALK_APP_SECRET`` (see ``signing``), at most one
   hour old and not in the future;
2. not a replay: the ``timestamp:sign`` pair is recorded by ``storage.replay_guard`` for longer than the
   validity hour. DingTalk's signature covers only the timestamp, so the pair — not the body — is the key:
   a captured pair cannot be reused with another body either.

Then the request is acknowledged at once (HTTP 200, ``{}``; DingTalk waits only a few seconds) and the
command runs afterwards in a worker thread (Starlette ``BackgroundTask`` runs sync functions in the thread
pool). The reply goes to the message's ``sessionWebhook`` — only if that URL is DingTalk's own API host (or
the configured robot's host), so a forged body cannot make us POST elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.chart_store import ChartStore, chart_or_none, chart_publisher, chart_route, render_png
from bot.context import AppContext
from bot.delivery_errors import DeliveryError
from bot.dingtalk.render import render_messages
from bot.dingtalk.sender import post_message
from bot.dingtalk.signing import MAX_AGE_MS, verify_callback
from bot.download_links import attachment_links
from bot.rate_limit import Clock, SystemClock
from bot.request_body import BodyTooLarge, read_limited_body
from core.config import Settings
from handlers.card import Card, Chart
from handlers.dispatch import run_command
from storage.replay_guard import first_time

logger = logging.getLogger(__name__)

REPLAY_KEEP_S = MAX_AGE_MS // 1000 + 120
DINGTALK_API_ORIGINS = frozenset({("https", "oapi.dingtalk.com"), ("https", "api.dingtalk.com")})


@dataclass(frozen=True)
class InboundMessage:
    text: str
    session_webhook: str
    session_expires_ms: int | None
    sender: str
    sender_name: str = ""
    conversation_id: str = ""  # the group's openConversationId (绑定告警群)
    group: bool = False
    message_id: str = ""


def _text_of(payload: dict[str, Any]) -> str | None:
    kind = payload.get("msgtype")
    if kind == "text":
        return str((payload.get("text") or {}).get("content", ""))
    if kind == "richText":
        pieces = (payload.get("content") or {}).get("richText") or []
        return "".join(str(piece.get("text", "")) for piece in pieces if isinstance(piece, dict))
    return None


def parse_message(payload: Any) -> InboundMessage | None:
    """The text and reply address of a robot message; None for what we do not answer (pictures, files…)."""
    if not isinstance(payload, dict):
        return None
    text = _text_of(payload)
    webhook = payload.get("sessionWebhook")
    if text is None or not isinstance(webhook, str):
        return None
    expires = payload.get("sessionWebhookExpiredTime")
    return InboundMessage(
        text=text.strip(),
        session_webhook=webhook,
        session_expires_ms=int(expires)
        if isinstance(expires, int | str) and str(expires).isdigit()
        else None,
        sender=str(payload.get("senderStaffId") or payload.get("senderNick") or ""),
        sender_name=str(payload.get("senderNick") or ""),
        conversation_id=str(payload.get("conversationId") or ""),
        group=str(payload.get("conversationType", "")) == "2",
        message_id=str(payload.get("msgId") or ""),
    )


def allowed_origins(settings: Settings) -> frozenset[tuple[str, str]]:
    """Where a reply may go: DingTalk's API hosts, plus the configured robot webhook's origin."""
    origins = set(DINGTALK_API_ORIGINS)
    api = urlsplit(settings.dingtalk_api_url)  # the app's own API host (DINGTALK_API_URL)
    origins.add((api.scheme, api.netloc))
    if settings.dingtalk_webhook_url:
        parts = urlsplit(settings.dingtalk_webhook_url)
        origins.add((parts.scheme, parts.netloc))
    return frozenset(origins)


def is_allowed_webhook(url: str, origins: frozenset[tuple[str, str]]) -> bool:
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc) in origins


def reply_card(
    client: httpx.Client,
    message: InboundMessage,
    card: Card,
    settings: Settings,
    chart_url: Callable[[Chart], str] | None,
) -> None:
    """The card as robot messages to the message's ``sessionWebhook`` (HTTP callback and Stream alike)."""
    links = attachment_links(card, settings)
    image = chart_or_none(card, chart_url)
    try:
        for body in render_messages(card, links, chart_image_url=image):
            post_message(client, message.session_webhook, body)
    except DeliveryError:
        logger.exception("DingTalk reply to %s failed", message.sender or "?")


def routes(
    context: AppContext,
    *,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
    chart_png: Callable[[Chart], bytes] | None = None,
) -> list[Route]:
    """The DingTalk routes; none when DingTalk is not configured.

    ``/dingtalk/callback`` needs ``DINGTALK_APP_SECRET``; ``/charts/{token}.png`` is served whenever any
    DingTalk setting is present (the group robot shows charts by URL). ``chart_png`` (Chart → PNG bytes) turns
    charts into images (default: ``bot.render.chart_png``).
    """
    settings = context.settings
    if settings.dingtalk_app_secret is None and not settings.dingtalk_webhook_url:
        return []
    store = ChartStore(settings.data_dir / "charts")
    mounted = [chart_route(store)]
    if settings.dingtalk_app_secret is None:
        return mounted
    app_secret = settings.dingtalk_app_secret.get_secret_value()
    wall: Clock = clock or SystemClock()
    client = http or httpx.Client()
    origins = allowed_origins(settings)
    chart_url = chart_publisher(store, settings.public_base_url, chart_png or render_png)

    def answer(message: InboundMessage) -> None:
        reply_card(client, message, run_command(message.text, context.handler_context()), settings, chart_url)

    async def callback(request: Request) -> JSONResponse:
        now_ms = int(wall.time() * 1000)
        timestamp, sign = request.headers.get("timestamp"), request.headers.get("sign")
        if not verify_callback(app_secret, timestamp, sign, now_ms):
            return JSONResponse({"error": "invalid or expired signature"}, status_code=401)
        try:
            raw = await read_limited_body(request)
        except BodyTooLarge:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            payload = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        now = dt.datetime.fromtimestamp(now_ms / 1000, dt.UTC)
        fresh = await run_in_threadpool(
            first_time, context.engine, "dingtalk", f"{timestamp}:{sign}", now, keep_s=REPLAY_KEEP_S
        )
        if not fresh:
            return JSONResponse({"error": "replayed request"}, status_code=401)
        message = parse_message(payload)
        if message is None:
            return JSONResponse({})
        if not is_allowed_webhook(message.session_webhook, origins):
            logger.warning(
                "DingTalk sessionWebhook %r is not a DingTalk address; not replying", message.session_webhook
            )
            return JSONResponse({})
        if message.session_expires_ms is not None and message.session_expires_ms < now_ms:
            logger.warning("DingTalk sessionWebhook already expired; not replying")
            return JSONResponse({})
        return JSONResponse({}, background=BackgroundTask(answer, message))

    return [*mounted, Route("/dingtalk/callback", callback, methods=["POST"])]
