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
from bot.download_links import attachment_links
from bot.wecom.alert_cards import template_card
from core.detection import Alert
from handlers.alert_actions import ALERT_ACTIONS, AlertClick, act_once, audit_line
from handlers.alert_card import build_alert_card
from storage.alerts_repo import record_by_key
from storage.messenger_repo import card, set_status

logger = logging.getLogger(__name__)

PLATFORM = "wecom-app"
DONE = ("alert_ack", "alert_false_positive")


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
    sent = card(context.engine, PLATFORM, event.task_id)
    if sent is None or event.key not in ALERT_ACTIONS:
        logger.warning("WeCom card click on an unknown card or button ignored")
        return
    handler_context = context.handler_context()
    click = AlertClick(action=event.key, alert_id=sent.alert_key, user_id=event.user, user_name=event.user,
                       platform=PLATFORM, at=dt.datetime.now(dt.UTC))  # fmt: skip
    outcome = act_once(click, f"{event.user}:{event.task_id}:{event.key}:{event.created}", handler_context)
    if outcome is None:
        return  # the same click delivered again: acted on and answered already
    status = audit_line(outcome.note, click, ZoneInfo(context.settings.timezone))
    set_status(context.engine, PLATFORM, event.task_id, status)
    record = record_by_key(context.engine, sent.alert_key)
    if record is None or client is None:
        return
    built = build_alert_card(Alert.model_validate(record.alert), handler_context)
    note = (
        " ".join(s.text or " ".join(s.bullets) for s in outcome.card.sections)[:112] if outcome.card else None
    )
    body = template_card(built, event.task_id, attachment_links(built, context.settings), status=status,
                         buttons=event.key not in DONE, note=note)  # fmt: skip
    try:
        client.update_template_card(
            {"userids": [event.user], "response_code": event.response_code, "template_card": body}
        )
    except DeliveryError as error:
        logger.error("WeCom card update for %s failed: %s", event.user, error)
