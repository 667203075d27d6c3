"""The WeCom AI bot's alert channel: over the bot's long connection (``aibot_send_msg``), the digest as
markdown and each announced alert as a ``button_interaction`` template card (``bot/wecom/alert_cards.py``),
into ``WECOM_BOT_CHAT_ID`` or the group bound with ``绑定告警群``. Cards are recorded in ``messenger_card``
after WeCom accepted them, so a retried delivery sends only those still missing. A recovery (a state change
after the click window) goes out as a new short markdown message.

The connection lives in ``memberops serve``; in another process (``scan --notify``) the delivery stays
queued and the serving process's delivery job sends it (a second connection would take the bot's over).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot.delivery_errors import PermanentDeliveryError, RetryableDeliveryError
from bot.download_links import attachment_links
from bot.wecom.aibot import AIBotError, current_client
from bot.wecom.alert_cards import task_id
from bot.wecom.alert_cards import template_card as wecom_template_card
from bot.wecom.render import markdown_texts
from core.config import Settings
from core.detection import Alert
from handlers.alert_actions import ALERT_ACTIONS
from handlers.alert_card import build_alert_card
from handlers.context import HandlerContext
from scheduler.channels import SendJob
from storage.alerts_repo import record_by_key
from storage.messenger_repo import bound_target, card, remember_card, set_status

logger = logging.getLogger(__name__)

PLATFORM = "wecom"
MARKDOWN_BYTES = 4000
RETRYABLE_ERRCODES = {-1, 45009, 45033}  # busy, API frequency limit, too many concurrent calls


class WeComBotChannel:
    name = "wecom_bot"

    def __init__(
        self,
        settings: Settings,
        handler_context: Callable[[], HandlerContext],
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.settings = settings
        self.handler_context = handler_context
        self.clock = clock

    def send(self, job: SendJob) -> None:
        client = current_client()
        if client is None or not client.authenticated.is_set():
            raise RetryableDeliveryError(
                "the WeCom AI bot is not connected in this process (memberops serve delivers it)", 60.0,
                platform=PLATFORM,
            )  # fmt: skip
        context = self.handler_context()
        chat = self.settings.wecom_bot_chat_id or bound_target(context.engine, PLATFORM, "alerts")
        if not chat:
            raise PermanentDeliveryError(
                "no WeCom group for alerts: set WECOM_BOT_CHAT_ID, or send 绑定告警群 to the bot in the group",
                platform=PLATFORM,
            )
        summary = job.card.model_copy(
            update={"buttons": [b for b in job.card.buttons if b.action_id not in ALERT_ACTIONS]}
        )
        parts: list[tuple[str, str | None]] = [
            ("markdown", text)
            for text in markdown_texts(summary, attachment_links(summary, self.settings), MARKDOWN_BYTES)
        ]
        parts += [
            ("card", key)
            for key in dict.fromkeys(b.value for b in job.card.buttons if b.action_id in ALERT_ACTIONS)
        ]
        for index, (kind, payload) in enumerate(parts):
            if index < job.parts_sent:
                continue
            if kind == "markdown":
                self._send(client, {"chatid": chat, "msgtype": "markdown", "markdown": {"content": payload}})
            elif payload is not None:
                self._alert(client, payload, chat, context)
            job.checkpoint(index + 1, None)

    def _alert(self, client, key: str, chat: str, context: HandlerContext) -> None:  # type: ignore[no-untyped-def]
        task = task_id(key)
        if card(context.engine, PLATFORM, task) is not None:
            return  # sent by an earlier attempt
        record = record_by_key(context.engine, key)
        if record is None:
            return
        built = build_alert_card(Alert.model_validate(record.alert), context)
        status = context.t("待处理", "Open")
        body = wecom_template_card(
            built, task, attachment_links(built, self.settings), status=status, buttons=True
        )
        self._send(client, {"chatid": chat, "msgtype": "template_card", "template_card": body})
        remember_card(context.engine, PLATFORM, task, key, chat, self.clock())
        set_status(context.engine, PLATFORM, task, status)

    def _send(self, client, body: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
        try:
            client.request_from_thread("aibot_send_msg", body)
        except TimeoutError as error:
            raise RetryableDeliveryError(
                "WeCom AI bot: no answer in time", 30.0, platform=PLATFORM
            ) from error
        except AIBotError as error:
            if error.errcode is None or error.errcode in RETRYABLE_ERRCODES:
                raise RetryableDeliveryError(f"WeCom AI bot: {error}", 60.0, platform=PLATFORM) from error
            raise PermanentDeliveryError(f"WeCom AI bot: {error}", platform=PLATFORM) from error


class WeComAppCardChannel:
    """Where a company has no AI bot: the self-built app sends the alert cards to ``WECOM_ALERT_USERS``
    (``message/send``, ``template_card``); clicks come back through the encrypted callback
    (``bot/wecom/card_clicks.py``) and replace the card with ``message/update_template_card``."""

    name = "wecom_app_cards"
    platform = "wecom-app"

    def __init__(self, client, settings: Settings, handler_context: Callable[[], HandlerContext]) -> None:  # type: ignore[no-untyped-def]
        self.client = client
        self.settings = settings
        self.handler_context = handler_context
        self.users = "|".join(
            u.strip() for u in settings.wecom_alert_users.replace(",", "|").split("|") if u.strip()
        )

    def send(self, job: SendJob) -> None:
        context = self.handler_context()
        keys = list(dict.fromkeys(b.value for b in job.card.buttons if b.action_id in ALERT_ACTIONS))
        summary = job.card.model_copy(
            update={"buttons": [b for b in job.card.buttons if b.action_id not in ALERT_ACTIONS]}
        )
        parts: list[str | None] = [None, *keys]  # the summary first, then one card per alert
        for index, key in enumerate(parts):
            if index < job.parts_sent:
                continue
            if key is None:
                self.client.send_card(summary, self.users, attachment_links(summary, self.settings))
            else:
                self._alert(key, context)
            job.checkpoint(index + 1, None)

    def _alert(self, key: str, context: HandlerContext) -> None:
        task = task_id(key)
        if card(context.engine, self.platform, task) is not None:
            return
        record = record_by_key(context.engine, key)
        if record is None:
            return
        built = build_alert_card(Alert.model_validate(record.alert), context)
        status = context.t("待处理", "Open")
        body = wecom_template_card(
            built, task, attachment_links(built, self.settings), status=status, buttons=True
        )
        self.client.send({"touser": self.users, "msgtype": "template_card", "agentid": self.client.agent_id,
                          "template_card": body})  # fmt: skip
        remember_card(context.engine, self.platform, task, key, self.users, dt.datetime.now(dt.UTC))
        set_status(context.engine, self.platform, task, status)
