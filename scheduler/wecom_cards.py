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
from handlers.card import Card
from handlers.context import HandlerContext
from handlers.messenger_cards import alert_keys, send_alert_card_once, without_alert_buttons
from scheduler.channels import SendJob
from storage.messenger_repo import bound_target

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
        summary = without_alert_buttons(job.card)
        parts: list[tuple[str, str | None]] = [
            ("markdown", text)
            for text in markdown_texts(summary, attachment_links(summary, self.settings), MARKDOWN_BYTES)
        ]
        parts += [("card", key) for key in alert_keys(job.card)]
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

        def send(built: Card, status: str) -> None:
            body = wecom_template_card(
                built, task, attachment_links(built, self.settings), status=status, buttons=True
            )
            self._send(client, {"chatid": chat, "msgtype": "template_card", "template_card": body})

        send_alert_card_once(context, PLATFORM, task, key, chat, send, self.clock())

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
        keys = alert_keys(job.card)
        summary = without_alert_buttons(job.card)
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

        def send(built: Card, status: str) -> None:
            body = wecom_template_card(
                built, task, attachment_links(built, self.settings), status=status, buttons=True
            )
            self.client.send({"touser": self.users, "msgtype": "template_card", "agentid": self.client.agent_id,
                              "template_card": body})  # fmt: skip

        send_alert_card_once(context, self.platform, task, key, self.users, send, dt.datetime.now(dt.UTC))
