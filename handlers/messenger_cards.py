"""What the interactive alert cards of DingTalk and WeCom share, whatever draws them (platform-neutral).

* the digest's parts: its alerts (the alert-button values) and its summary (the digest without them);
* one card per alert, sent once: its id recorded in ``messenger_card`` after the platform accepted it, with
  its status line (``send_alert_card_once``);
* a click on a card: the card looked up, the action done once through the alert-action core and the audit
  line stored (``click_card``) — each platform then redraws the card its own way;
* ``绑定告警群``: the group a messenger's alerts go to (``bind_alert_group``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from core.detection import Alert
from handlers.alert_actions import ALERT_ACTIONS, AlertClick, AlertOutcome, act_once, audit_line
from handlers.alert_card import build_alert_card
from handlers.card import Card, CardSection
from handlers.context import HandlerContext
from storage.alerts_repo import record_by_key
from storage.messenger_repo import bind, card, remember_card, set_status
from storage.tables import MessengerCard

logger = logging.getLogger(__name__)


def alert_keys(digest: Card) -> list[str]:
    """The alerts a digest announces: the values of its alert buttons, in order."""
    return list(dict.fromkeys(b.value for b in digest.buttons if b.action_id in ALERT_ACTIONS and b.value))


def without_alert_buttons(digest: Card) -> Card:
    """The digest as a summary: the alerts get cards of their own."""
    return digest.model_copy(
        update={"buttons": [b for b in digest.buttons if b.action_id not in ALERT_ACTIONS]}
    )


def alert_card_of(key: str, context: HandlerContext) -> Card | None:
    """The alert card of an announced alert (None, logged, when its record is gone)."""
    record = record_by_key(context.engine, key)
    if record is None:
        logger.warning("alert %s has no record: no interactive card", key)
        return None
    return build_alert_card(Alert.model_validate(record.alert), context)


def open_status(context: HandlerContext) -> str:
    return context.t("待处理", "Open")


def send_alert_card_once(
    context: HandlerContext,
    platform: str,
    card_id: str,
    key: str,
    target: str,
    send: Callable[[Card, str], None],
    now: dt.datetime,
) -> None:
    """``send(alert card, status)`` unless this card was sent before; recorded once the platform took it."""
    if card(context.engine, platform, card_id) is not None:
        return  # an earlier attempt sent it
    built = alert_card_of(key, context)
    if built is None:
        return
    status = open_status(context)
    send(built, status)
    remember_card(context.engine, platform, card_id, key, target, now)
    set_status(context.engine, platform, card_id, status)


@dataclass(frozen=True)
class CardClick:
    sent: MessengerCard
    click: AlertClick
    outcome: AlertOutcome | None  # None: the same click delivered again (acted on before)
    status: str  # the card's status line now


def click_card(
    context: HandlerContext,
    platform: str,
    card_id: str,
    action: str,
    *,
    user_id: str,
    user_name: str,
    event_id: str,
    timezone: dt.tzinfo,
    now: dt.datetime,
) -> CardClick | None:
    """A button pressed on one of our cards; None for an unknown card or button (a forged or stale click,
    which changes nothing)."""
    sent = card(context.engine, platform, card_id)
    if sent is None or action not in ALERT_ACTIONS:
        logger.warning("%s card click on an unknown card or button ignored", platform)
        return None
    click = AlertClick(action=action, alert_id=sent.alert_key, user_id=user_id, user_name=user_name,
                       platform=platform, at=now)  # fmt: skip
    outcome = act_once(click, event_id, context)
    status = sent.status or ""
    if outcome is not None:
        status = audit_line(outcome.note, click, timezone)
        set_status(context.engine, platform, card_id, status)
    return CardClick(sent=sent, click=click, outcome=outcome, status=status)


def bind_alert_group(
    context: HandlerContext, platform: str, target: str, who: str, *, in_group: bool, now: dt.datetime
) -> Card:
    """``绑定告警群``: the group the command was sent in receives the alert cards from now on."""
    t = context.t
    if not in_group or not target:
        return Card(title=t("绑定告警群：请在群里 @我 发送", "Bind alerts: send it in the group"))
    bind(context.engine, platform, "alerts", target, who, now)
    return Card(
        title=t("已绑定告警群", "Alerts bound to this group"),
        sections=[CardSection(text=t("此后每日告警以互动卡片发到本群：确认、暂停、误报、更多解释可直接点。",
                                     "The daily alerts come to this group as cards with buttons from now on."))],
    )  # fmt: skip
