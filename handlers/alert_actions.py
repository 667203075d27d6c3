"""What alert buttons do: acknowledge, snooze, mark as false positive, explain more.

The scheduler registers its own hooks with ``register_alert_action``; until then the default records who
did what (log + a bounded in-memory list) and returns the note every messenger shows on the card. A hook
may also return a card to post in the alert's thread (e.g. the explanation for "explain more").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from handlers.card import Card
from handlers.context import HandlerContext

logger = logging.getLogger(__name__)

ALERT_ACTIONS = ("alert_ack", "alert_snooze", "alert_false_positive", "explain_more")

_VERBS: dict[str, tuple[str, str]] = {
    "alert_ack": ("已确认", "acknowledged"),
    "alert_snooze": ("已暂停提醒 24 小时", "snoozed for 24 hours"),
    "alert_false_positive": ("标记为误报", "marked as a false positive"),
    "explain_more": ("请求了更多解释", "asked for more explanation"),
}


@dataclass(frozen=True)
class AlertClick:
    action: str  # one of ALERT_ACTIONS
    alert_id: str  # the button value
    user_id: str
    user_name: str
    platform: str  # "slack" | "dingtalk" | "wecom"
    at: dt.datetime


@dataclass
class AlertOutcome:
    note: str  # "<who> 已确认" style text without the who: the adapter prepends the user
    card: Card | None = None  # posted in the alert's thread when set
    extra: dict[str, str] = field(default_factory=dict)


AlertHook = Callable[[AlertClick, HandlerContext], AlertOutcome]

RECORDED: deque[AlertClick] = deque(maxlen=1000)


def record_only(click: AlertClick, context: HandlerContext) -> AlertOutcome:
    RECORDED.append(click)
    logger.info("alert %s: %s by %s (%s)", click.alert_id, click.action, click.user_id, click.platform)
    zh, en = _VERBS[click.action]
    return AlertOutcome(note=context.t(zh, en))


_HOOKS: dict[str, AlertHook] = {}


def register_alert_action(action: str, hook: AlertHook) -> None:
    if action not in ALERT_ACTIONS:
        raise ValueError(f"unknown alert action {action!r}")
    _HOOKS[action] = hook


def handle_alert_action(click: AlertClick, context: HandlerContext) -> AlertOutcome:
    return _HOOKS.get(click.action, record_only)(click, context)


CLICK_KEEP_S = 7 * 24 * 3600  # a platform redelivers a click within minutes; a week is plenty


def act_once(click: AlertClick, event_id: str, context: HandlerContext) -> AlertOutcome | None:
    """The click's action, at most once per platform event (DingTalk's frame ``messageId``, WeCom's
    ``msgid``): a redelivered click returns None and changes nothing."""
    from storage.replay_guard import first_time

    if not first_time(
        context.engine, f"alert-click:{click.platform}", event_id, click.at, keep_s=CLICK_KEEP_S
    ):
        logger.info("alert click %s on %s delivered again: not acted on twice", event_id, click.platform)
        return None
    return handle_alert_action(click, context)


def audit_line(note: str, click: AlertClick, timezone: dt.tzinfo) -> str:
    """``已确认，本次异常持续期间不再提醒 · 张三 09:12`` — what the card shows after a click (local time)."""
    who = click.user_name or click.user_id or "?"
    return f"{note} · {who} {click.at.astimezone(timezone):%H:%M}"
