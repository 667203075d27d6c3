"""What the DingTalk Stream connection does with its frames: robot messages run commands (and
``绑定告警群`` binds the group for alerts), card clicks act on the alert.

* ``/v1.0/im/bot/messages/get``: the same message the HTTP callback receives; acknowledged at once, the
  command answered afterwards through the message's ``sessionWebhook`` (DingTalk's own hosts only). A
  message delivered twice (same ``msgId``) is answered once.
* ``/v1.0/card/instances/callback``: ``outTrackId`` names our card (``messenger_card``), its ``params.action``
  the button. The click goes through the one alert-action core (:func:`handlers.alert_actions.act_once`:
  once per frame ``messageId``, the clicking user recorded) and the callback's answer updates the card in
  place: the audit line for everyone, the explanation (更多解释) for the clicking user only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.connection_lease import ConnectionLease
from bot.context import AppContext
from bot.dingtalk.alert_cards import click_response
from bot.dingtalk.callback import (
    InboundMessage,
    allowed_origins,
    is_allowed_webhook,
    parse_message,
    reply_card,
)
from bot.dingtalk.render import render_messages
from bot.dingtalk.stream import StreamClient
from bot.dingtalk.stream_frames import TOPIC_BOT_MESSAGE, TOPIC_CARD_CALLBACK, Frame
from handlers.card import Card
from handlers.dispatch import run_command
from handlers.messenger_cards import bind_alert_group, click_card
from storage.replay_guard import first_time

logger = logging.getLogger(__name__)

BIND_WORDS = ("绑定告警群", "bind alerts")
MESSAGE_KEEP_S = 24 * 3600


def stream_client(context: AppContext, *, http: httpx.Client | None = None) -> StreamClient:
    settings = context.settings
    assert settings.dingtalk_client_id and settings.dingtalk_client_secret
    handlers = StreamHandlers(context, http or httpx.Client(timeout=10))
    return StreamClient(
        settings.dingtalk_api_url,
        settings.dingtalk_client_id,
        settings.dingtalk_client_secret.get_secret_value(),
        {TOPIC_BOT_MESSAGE: handlers.on_message, TOPIC_CARD_CALLBACK: handlers.on_card_click},
        lease=ConnectionLease(context.engine, f"dingtalk-stream:{settings.dingtalk_client_id}"),
    )


@asynccontextmanager
async def stream_lifespan(context: AppContext, client: StreamClient | None = None):  # type: ignore[no-untyped-def]
    """Keep the Stream connection open while the HTTP app runs (``memberops serve``)."""
    client = client or stream_client(context)
    task = asyncio.create_task(client.run())
    logger.info("DingTalk Stream: connecting to %s", context.settings.dingtalk_api_url)
    try:
        yield {"dingtalk_stream": client}
    finally:
        await client.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class StreamHandlers:
    def __init__(
        self, context: AppContext, http: httpx.Client, now: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.context = context
        self.http = http
        self.origins = allowed_origins(context.settings)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.timezone = ZoneInfo(context.settings.timezone)
        self.names: dict[
            str, str
        ] = {}  # staff id → nick, from the messages seen (a click carries only the id)

    # -- robot messages ----------------------------------------------------------------------------------
    async def on_message(self, frame: Frame) -> Any:
        message = parse_message(frame.data)
        if message is None or not is_allowed_webhook(message.session_webhook, self.origins):
            return None
        if message.sender and message.sender_name:
            self.names[message.sender] = message.sender_name
        key = message.message_id or frame.message_id
        if not await asyncio.to_thread(
            first_time, self.context.engine, "dingtalk-stream", key, self.now(), keep_s=MESSAGE_KEEP_S
        ):
            return None  # answered already
        task = asyncio.create_task(asyncio.to_thread(self._answer, message))
        task.add_done_callback(
            lambda done: done.exception() and logger.error("DingTalk answer failed: %s", done.exception())
        )
        return None  # acknowledged now; the answer follows through the sessionWebhook

    def _answer(self, message: InboundMessage) -> None:
        text = message.text.replace("@", " ").strip()
        if any(word in text.lower() for word in BIND_WORDS):
            reply_card(self.http, message, self._bind(message), self.context.settings, None)
            return
        reply_card(
            self.http,
            message,
            run_command(message.text, self.context.handler_context()),
            self.context.settings,
            None,
        )

    def _bind(self, message: InboundMessage) -> Card:
        return bind_alert_group(
            self.context.handler_context(), "dingtalk", message.conversation_id, message.sender_name or message.sender,
            in_group=message.group, now=self.now(),
        )  # fmt: skip

    # -- card clicks -------------------------------------------------------------------------------------
    async def on_card_click(self, frame: Frame) -> Any:
        return await asyncio.to_thread(self._click, frame)

    def _click(self, frame: Frame) -> dict[str, Any] | None:
        data = frame.data if isinstance(frame.data, dict) else {}
        track, action = str(data.get("outTrackId", "")), _action_of(data.get("content"))
        user_id = str(data.get("userId") or "")
        clicked = click_card(
            self.context.handler_context(), "dingtalk", track, action, user_id=user_id,
            user_name=self.names.get(user_id, user_id), event_id=frame.message_id or f"{track}:{action}:{user_id}",
            timezone=self.timezone, now=self.now(),
        )  # fmt: skip
        if clicked is None:
            return None  # a forged or stale click changes nothing
        card = clicked.outcome.card if clicked.outcome is not None else None  # 更多解释: for the clicker
        explanation = _markdown(card) if card is not None else None
        return click_response(clicked.status, action, user_id=user_id, explanation=explanation)


def _action_of(content: Any) -> str:
    """``content`` is JSON text: ``{"cardPrivateData": {"actionIds": […], "params": {"action": …}}}``."""
    import json

    try:
        parsed = json.loads(content) if isinstance(content, str) else content or {}
    except ValueError:
        return ""
    private = parsed.get("cardPrivateData", {}) if isinstance(parsed, dict) else {}
    params = private.get("params") or {}
    action = params.get("action") if isinstance(params, dict) else None
    ids = private.get("actionIds") or []
    return str(action or (ids[0] if ids else ""))


def _markdown(card: Card) -> str:
    first = render_messages(card)[0]
    return (first.get("markdown") or first.get("actionCard") or {}).get("text", "")
