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
from handlers.card import Card
from handlers.context import HandlerContext
from handlers.messenger_cards import alert_keys, send_alert_card_once, without_alert_buttons
from scheduler.alert_keys import split_key
from scheduler.channels import SendJob
from storage.alerts_repo import load_series
from storage.messenger_repo import (
    bound_target,
    card,
    cards_ending_with,
    cards_with_status,
    remember_card,
    set_status,
)
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
        parts = [None, *alert_keys(job.card)]  # the summary first, then one card per alert
        for index, key in enumerate(parts):
            if index < job.parts_sent:
                continue
            if key is None:
                self._send_summary(job, group, context)
            else:
                track = out_track_id(key)
                send_alert_card_once(
                    context, PLATFORM, track, key, group,
                    lambda built, status, track=track: self._deliver(built, track, group, status, actions=True),
                    self.clock(),
                )  # fmt: skip
            job.checkpoint(index + 1, None)

    def _send_summary(self, job: SendJob, group: str, context: HandlerContext) -> None:
        key = f"{job.digest_key}|summary"
        track = out_track_id(key)
        if card(context.engine, PLATFORM, track) is None:
            self._deliver(without_alert_buttons(job.card), track, group, "", actions=False)
            remember_card(context.engine, PLATFORM, track, key, group, self.clock())

    def _deliver(self, built: Card, track: str, group: str, status: str, *, actions: bool) -> None:
        params = card_params(built, attachment_links(built, self.settings), status)
        params["has_actions"] = "true" if actions else "false"
        self.api.create_and_deliver(
            template_id=self.template_id, out_track_id=track, params=params, conversation_id=group,
            robot_code=self.robot_code,
        )  # fmt: skip

    def _update_recovered(self, built: Card, context: HandlerContext) -> None:
        for amend in built.amends:
            if amend.fingerprint is None:
                continue
            for sent in _cards_of_series(context, amend.fingerprint):
                self.api.update_card(sent.card_id, {"status": amend.line, "done": "true"})
                set_status(context.engine, PLATFORM, sent.card_id, amend.line)

    def _update_expired_snoozes(self, context: HandlerContext) -> None:
        """Cards that say 已暂停提醒 … whose snooze has run out: say the alert is live again."""
        snoozed = cards_with_status(context.engine, PLATFORM, ("已暂停提醒", "snoozed"))
        fingerprints = {row.card_id: _fingerprint_of(row.alert_key) for row in snoozed}
        states = load_series(context.engine, sorted({f for f in fingerprints.values() if f}))
        now = self.clock()
        for card_id, fingerprint in fingerprints.items():
            state = states.get(fingerprint) if fingerprint else None
            if state is not None and state.snoozed_until is not None and state.snoozed_until <= now:
                line = context.t("暂停已结束：再出现时会提醒", "Snooze over: alerts again when it recurs")
                self.api.update_card(card_id, {"status": line})
                set_status(context.engine, PLATFORM, card_id, line)


def _cards_of_series(context: HandlerContext, fingerprint: str) -> list[MessengerCard]:
    """The cards of every alert of the series (``YYYY-MM-DD|<fingerprint>`` keys)."""
    rows = cards_ending_with(context.engine, PLATFORM, f"|{fingerprint}")
    return [row for row in rows if _fingerprint_of(row.alert_key) == fingerprint]


def _fingerprint_of(key: str) -> str | None:
    try:
        return split_key(key)[1]
    except ValueError:
        return None
