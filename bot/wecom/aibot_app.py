"""What the WeCom AI bot does with its long connection: messages run commands (``绑定告警群`` binds the
group), a card button acts on the alert and updates the card within WeCom's 5 s window.

* ``aibot_msg_callback`` (text): the command's card is answered with ``aibot_respond_msg`` (a finished
  ``stream`` carrying the card as markdown) to the callback's ``req_id``; a message delivered twice (same
  ``msgid``) is answered once.
* ``aibot_event_callback`` / ``template_card_event``: ``task_id`` names our card (``messenger_card``),
  ``event_key`` the action; the click goes through :func:`handlers.alert_actions.act_once` (once per
  ``msgid``) and the card is replaced with ``aibot_respond_update_msg``: the audit line for everyone, the
  explanation (更多解释) in a card for the clicking user only (``userids``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

from bot.connection_lease import ConnectionLease
from bot.context import AppContext
from bot.download_links import attachment_links
from bot.wecom.aibot import AIBotClient, AIBotError, req_id
from bot.wecom.alert_cards import redrawn_card
from bot.wecom.render import markdown_texts
from handlers.card import Card
from handlers.dispatch import run_command
from handlers.messenger_cards import alert_card_of, bind_alert_group, click_card
from storage.replay_guard import first_time

logger = logging.getLogger(__name__)

PLATFORM = "wecom"
BIND_WORDS = ("绑定告警群", "bind alerts")
MESSAGE_KEEP_S = 24 * 3600
MAX_REPLY_BYTES = 20_000  # a stream reply holds 20,480 bytes


def aibot_client(context: AppContext) -> AIBotClient:
    settings = context.settings
    assert settings.wecom_bot_id and settings.wecom_bot_secret
    handlers = AIBotHandlers(context)
    client = AIBotClient(
        settings.wecom_bot_ws_url, settings.wecom_bot_id, settings.wecom_bot_secret.get_secret_value(),
        on_message=handlers.on_message, on_event=handlers.on_event,
        lease=ConnectionLease(context.engine, f"wecom-aibot:{settings.wecom_bot_id}"),
    )  # fmt: skip
    handlers.client = client
    return client


@asynccontextmanager
async def aibot_lifespan(context: AppContext, client: AIBotClient | None = None):  # type: ignore[no-untyped-def]
    """Hold the AI bot's connection while the HTTP app runs (``memberops serve``)."""
    client = client or aibot_client(context)
    task = asyncio.create_task(client.run())
    try:
        yield {"wecom_aibot": client}
    finally:
        await client.stop()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class AIBotHandlers:
    def __init__(self, context: AppContext) -> None:
        self.context = context
        self.client: AIBotClient | None = None
        self.timezone = ZoneInfo(context.settings.timezone)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    # -- messages ------------------------------------------------------------------------------------
    async def on_message(self, frame: dict[str, Any]) -> None:
        body = frame.get("body") or {}
        if body.get("msgtype") != "text":
            return
        msgid = str(body.get("msgid") or frame.get("headers", {}).get("req_id", ""))
        if not await asyncio.to_thread(
            first_time, self.context.engine, "wecom-aibot", msgid, self.now(), keep_s=MESSAGE_KEEP_S
        ):
            return  # answered already
        text = str((body.get("text") or {}).get("content", "")).strip()
        answer = await asyncio.to_thread(self._answer, text, body)
        content = markdown_texts(answer, attachment_links(answer, self.context.settings), MAX_REPLY_BYTES)[0]
        stream = {"id": req_id("stream"), "finish": True, "content": content}
        assert self.client is not None
        try:
            await self.client.request("aibot_respond_msg", {"msgtype": "stream", "stream": stream},
                                      reply_to=frame["headers"]["req_id"])  # fmt: skip
        except (AIBotError, TimeoutError) as error:
            logger.error("WeCom AI bot reply failed: %s", error)

    def _answer(self, text: str, body: dict[str, Any]) -> Card:
        cleaned = text.replace("@", " ").strip()
        if any(word in cleaned.lower() for word in BIND_WORDS):
            return self._bind(body)
        return run_command(text, self.context.handler_context())

    def _bind(self, body: dict[str, Any]) -> Card:
        who = str((body.get("from") or {}).get("userid") or "")
        return bind_alert_group(
            self.context.handler_context(), PLATFORM, str(body.get("chatid") or ""), who,
            in_group=body.get("chattype") == "group", now=self.now(),
        )  # fmt: skip

    # -- card buttons --------------------------------------------------------------------------------
    async def on_event(self, frame: dict[str, Any]) -> None:
        body = frame.get("body") or {}
        event = body.get("event") or {}
        if event.get("eventtype") != "template_card_event":
            return
        updates = await asyncio.to_thread(self._click, body, event)
        assert self.client is not None
        for update in updates:  # within the 5 s window: the card replaced in place
            try:
                await self.client.request(
                    "aibot_respond_update_msg", update, reply_to=frame["headers"]["req_id"]
                )
            except (AIBotError, TimeoutError) as error:
                logger.error("WeCom AI bot card update failed: %s", error)

    def _click(self, body: dict[str, Any], event: dict[str, Any]) -> list[dict[str, Any]]:
        action, task = str(event.get("event_key", "")), str(event.get("task_id", ""))
        user = str((body.get("from") or {}).get("userid") or "")
        context = self.context.handler_context()
        clicked = click_card(
            context, PLATFORM, task, action, user_id=user, user_name=user,
            event_id=str(body.get("msgid") or f"{task}:{action}:{user}"), timezone=self.timezone, now=self.now(),
        )  # fmt: skip
        built = alert_card_of(clicked.sent.alert_key, context) if clicked is not None else None
        if clicked is None or built is None:
            return []  # a forged or stale click changes nothing
        return [redrawn_card(built, task, clicked, self.context.settings)]
