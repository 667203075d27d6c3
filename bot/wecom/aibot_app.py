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
from bot.wecom.alert_cards import template_card
from bot.wecom.render import markdown_texts
from core.detection import Alert
from handlers.alert_actions import ALERT_ACTIONS, AlertClick, act_once, audit_line
from handlers.alert_card import build_alert_card
from handlers.card import Card, CardSection
from handlers.dispatch import run_command
from storage.alerts_repo import record_by_key
from storage.messenger_repo import bind, card, set_status
from storage.replay_guard import first_time

logger = logging.getLogger(__name__)

PLATFORM = "wecom"
BIND_WORDS = ("绑定告警群", "bind alerts")
MESSAGE_KEEP_S = 24 * 3600
MAX_REPLY_BYTES = 20_000  # a stream reply holds 20,480 bytes
CLICK_DONE = ("alert_ack", "alert_false_positive")


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
        t = self.context.handler_context().t
        chat = str(body.get("chatid") or "")
        if body.get("chattype") != "group" or not chat:
            return Card(title=t("绑定告警群：请在群里 @我 发送", "Bind alerts: send it in the group"))
        who = str((body.get("from") or {}).get("userid") or "")
        bind(self.context.engine, PLATFORM, "alerts", chat, who, self.now())
        return Card(
            title=t("已绑定告警群", "Alerts bound to this group"),
            sections=[CardSection(text=t("此后每日告警以卡片发到本群，按钮可直接确认、暂停、标记误报。",
                                         "The daily alerts come to this group as cards with buttons from now on."))],
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
        sent = card(self.context.engine, PLATFORM, task)
        if sent is None or action not in ALERT_ACTIONS:
            logger.warning("WeCom card click on an unknown card or button ignored")
            return []  # a forged or stale click changes nothing
        user = str((body.get("from") or {}).get("userid") or "")
        click = AlertClick(action=action, alert_id=sent.alert_key, user_id=user, user_name=user, platform=PLATFORM,
                           at=self.now())  # fmt: skip
        context = self.context.handler_context()
        outcome = act_once(click, str(body.get("msgid") or f"{task}:{action}:{user}"), context)
        status = sent.status or ""
        if outcome is not None:
            status = audit_line(outcome.note, click, self.timezone)
            set_status(self.context.engine, PLATFORM, task, status)
        built = self._alert_card(sent.alert_key, context)
        if built is None:
            return []
        links = attachment_links(built, self.context.settings)
        if outcome is not None and outcome.card is not None:  # 更多解释: only the clicking user's card
            note = " ".join(sec.text or " ".join(sec.bullets) for sec in outcome.card.sections)[:112]
            private = template_card(built, task, links, status=status, buttons=True, note=note)
            return [{"response_type": "update_template_card", "userids": [user], "template_card": private}]
        public = template_card(built, task, links, status=status, buttons=action not in CLICK_DONE)
        return [{"response_type": "update_template_card", "template_card": public}]

    def _alert_card(self, alert_key: str, context: Any) -> Card | None:
        record = record_by_key(context.engine, alert_key)
        return build_alert_card(Alert.model_validate(record.alert), context) if record is not None else None
