"""The DingTalk alert channel of the enterprise-internal app: interactive cards instead of robot markdown.

A digest becomes one summary card (the panel and the alert list, no buttons) and one card per announced
alert, with the five actions (``bot/dingtalk/alert_cards.py``); each card's ``outTrackId`` is derived from
its alert, recorded in ``messenger_card`` after DingTalk accepted it, so a retried delivery sends only the
cards still missing. A recovery updates the recovered alerts' cards in place (``PUT /v1.0/card/instances``:
"✅ 已恢复 · 持续 3 天 …", buttons greyed) and posts its short summary card. The group: ``DINGTALK_ALERT_
CONVERSATION_ID``, else the one bound with ``绑定告警群``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot.delivery_errors import PermanentDeliveryError
from bot.dingtalk.alert_cards import card_params, out_track_id
from bot.dingtalk.openapi import DingTalkOpenAPI
from bot.download_links import attachment_links
from core.config import Settings
from core.detection import Alert
from handlers.alert_actions import ALERT_ACTIONS
from handlers.alert_card import build_alert_card
from handlers.card import Card
from handlers.context import HandlerContext
from scheduler.alert_keys import split_key
from scheduler.channels import SendJob
from storage.alerts_repo import record_by_key
from storage.messenger_repo import bound_target, card, cards_of_alerts, remember_card, set_status
from storage.tables import MessengerCard

logger = logging.getLogger(__name__)

PLATFORM = "dingtalk"
NO_GROUP = "no DingTalk group for alerts: set DINGTALK_ALERT_CONVERSATION_ID, or send 绑定告警群 to the robot in the group"


class DingTalkCardChannel:
    name = "dingtalk_cards"

    def __init__(
        self,
        api: DingTalkOpenAPI,
        settings: Settings,
        handler_context: Callable[[], HandlerContext],
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.api = api
        self.settings = settings
        self.handler_context = handler_context
        self.clock = clock
        assert settings.dingtalk_card_template_id and settings.dingtalk_client_id
        self.template_id = settings.dingtalk_card_template_id
        self.robot_code = settings.dingtalk_robot_code or settings.dingtalk_client_id

    def send(self, job: SendJob) -> None:
        context = self.handler_context()
        group = self.settings.dingtalk_alert_conversation_id or bound_target(
            context.engine, PLATFORM, "alerts"
        )
        if not group:
            raise PermanentDeliveryError(NO_GROUP, platform=PLATFORM)
        self._update_recovered(job.card, context)
        self._update_expired_snoozes(context)
        cards = [(f"{job.digest_key}|summary", _summary(job.card), None)]
        for key in _alert_keys(job.card):
            cards.append((key, None, key))
        for index, (card_key, summary, alert_key) in enumerate(cards):
            if index < job.parts_sent:
                continue
            track = out_track_id(card_key)
            if card(context.engine, PLATFORM, track) is None:
                built = summary if summary is not None else self._alert_card(alert_key, context)
                if built is not None:
                    self._deliver(built, track, card_key, group, context, actions=alert_key is not None)
            job.checkpoint(index + 1, None)

    def _alert_card(self, alert_key: str | None, context: HandlerContext) -> Card | None:
        record = record_by_key(context.engine, alert_key) if alert_key else None
        if record is None:
            logger.warning("alert %s has no record: no DingTalk card", alert_key)
            return None
        return build_alert_card(Alert.model_validate(record.alert), context)

    def _deliver(
        self, built: Card, track: str, card_key: str, group: str, context: HandlerContext, *, actions: bool
    ) -> None:
        status = context.t("待处理", "Open") if actions else ""
        params = card_params(built, attachment_links(built, self.settings), status)
        params["has_actions"] = "true" if actions else "false"
        self.api.create_and_deliver(
            template_id=self.template_id, out_track_id=track, params=params, conversation_id=group,
            robot_code=self.robot_code,
        )  # fmt: skip
        remember_card(context.engine, PLATFORM, track, card_key, group, self.clock())
        set_status(context.engine, PLATFORM, track, status)

    def _update_recovered(self, built: Card, context: HandlerContext) -> None:
        for amend in built.amends:
            if amend.fingerprint is None:
                continue
            for sent in _cards_of_series(context, amend.fingerprint):
                self.api.update_card(sent.card_id, {"status": amend.line, "done": "true"})
                set_status(context.engine, PLATFORM, sent.card_id, amend.line)

    def _update_expired_snoozes(self, context: HandlerContext) -> None:
        """Cards that say 已暂停提醒 … whose snooze has run out: say the alert is live again."""
        from sqlalchemy import select

        from storage.alerts_repo import load_series

        with context.engine.connect() as connection:
            rows = connection.execute(
                select(MessengerCard.card_id, MessengerCard.alert_key).where(
                    MessengerCard.platform == PLATFORM,  # type: ignore[arg-type]
                    MessengerCard.status.startswith("已暂停提醒")
                    | MessengerCard.status.startswith("snoozed"),  # type: ignore[union-attr]
                )
            ).all()
        now = self.clock()
        for card_id, key in rows:
            fingerprint = _fingerprint_of(str(key))
            state = load_series(context.engine, [fingerprint]).get(fingerprint) if fingerprint else None
            if state is not None and state.snoozed_until is not None and state.snoozed_until <= now:
                line = context.t("暂停已结束：再出现时会提醒", "Snooze over: alerts again when it recurs")
                self.api.update_card(str(card_id), {"status": line})
                set_status(context.engine, PLATFORM, str(card_id), line)


def _summary(built: Card) -> Card:
    return built.model_copy(
        update={"buttons": [b for b in built.buttons if b.action_id not in ALERT_ACTIONS]}
    )


def _alert_keys(built: Card) -> list[str]:
    return list(dict.fromkeys(b.value for b in built.buttons if b.action_id in ALERT_ACTIONS and b.value))


def _cards_of_series(context: HandlerContext, fingerprint: str) -> list[MessengerCard]:
    """The cards of every alert of the series (``YYYY-MM-DD|<fingerprint>`` keys)."""
    from sqlalchemy import select

    query = select(MessengerCard.alert_key).where(
        MessengerCard.platform == PLATFORM,  # type: ignore[arg-type]
        MessengerCard.alert_key.endswith(f"|{fingerprint}", autoescape=True),  # type: ignore[attr-defined]
    )
    with context.engine.connect() as connection:
        keys = [str(k) for (k,) in connection.execute(query)]
    mine = [k for k in keys if _fingerprint_of(k) == fingerprint]
    return cards_of_alerts(context.engine, PLATFORM, mine)


def _fingerprint_of(key: str) -> str | None:
    try:
        return split_key(key)[1]
    except ValueError:
        return None
