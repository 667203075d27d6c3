"""A button pressed on the self-built app's alert card: the ``template_card_event`` of the encrypted callback.

The event names the card (``TaskId``), the button (``EventKey`` = the alert action) and carries a
``ResponseCode`` that may replace the card once (``message/update_template_card``). The click goes through
the one alert-action core (:func:`handlers.alert_actions.act_once`: once per event), and the clicking user's
card is replaced: the audit line (acknowledged / false-positive cards lose their buttons), or the
explanation for 更多解释.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.context import AppContext
from bot.delivery_errors import DeliveryError
from bot.wecom.alert_cards import redrawn_card
from handlers.messenger_cards import alert_card_of, click_card

logger = logging.getLogger(__name__)

PLATFORM = "wecom-app"


@dataclass(frozen=True)
class CardEvent:
    user: str
    key: str
    task_id: str
    response_code: str
    created: str


def parse_card_event(root) -> CardEvent | None:  # type: ignore[no-untyped-def]
    """From the decrypted XML element; None for anything but a card button event."""
    if root is None or root.findtext("MsgType") != "event" or root.findtext("Event") != "template_card_event":
        return None
    user, task = root.findtext("FromUserName") or "", root.findtext("TaskId") or ""
    if not user or not task:
        return None
    return CardEvent(user=user, key=root.findtext("EventKey") or "", task_id=task,
                     response_code=root.findtext("ResponseCode") or "", created=root.findtext("CreateTime") or "")  # fmt: skip


def apply_card_click(event: CardEvent, context: AppContext, client) -> None:  # type: ignore[no-untyped-def]
    """Act on the click and replace the user's card (runs after the callback was answered)."""
    handler_context = context.handler_context()
    clicked = click_card(
        handler_context, PLATFORM, event.task_id, event.key, user_id=event.user, user_name=event.user,
        event_id=f"{event.user}:{event.task_id}:{event.key}:{event.created}",
        timezone=ZoneInfo(context.settings.timezone), now=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    if clicked is None or clicked.outcome is None or client is None:
        return  # unknown card or button, or the same click delivered again (answered before)
    built = alert_card_of(clicked.sent.alert_key, handler_context)
    if built is None:
        return
    card = redrawn_card(built, event.task_id, clicked, context.settings)["template_card"]
    try:  # the app's card is the clicking user's own message: replaced for them
        client.update_template_card(
            {"userids": [event.user], "response_code": event.response_code, "template_card": card}
        )
    except DeliveryError as error:
        logger.error("WeCom card update for %s failed: %s", event.user, error)
