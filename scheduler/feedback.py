"""What the alert buttons do to the lifecycle: acknowledge, snooze, false positive, explain more.

Registered into ``handlers.alert_actions`` by :func:`register_lifecycle_hooks` (called by ``serve``).
Every click is stored in ``alert_feedback``; the series state changes as described in
:mod:`scheduler.lifecycle`. An unknown key (a card older than this database) is still recorded.
"""

from __future__ import annotations

import datetime as dt
import math

from core.detection import Alert
from core.detection.models import RootCause
from handlers.alert_actions import AlertClick, AlertOutcome, register_alert_action
from handlers.card import Card, CardField, CardSection, Severity
from handlers.context import HandlerContext
from scheduler.alert_keys import split_key, split_snooze_value
from scheduler.lifecycle import LifecyclePolicy
from storage.alerts_repo import (
    add_feedback,
    count_false_positive,
    ensure_series,
    load_series,
    record_by_key,
    update_series,
)
from storage.tables import AlertFeedback

POLICY = LifecyclePolicy()


def _store(click: AlertClick, context: HandlerContext, key: str, detail: str | None = None) -> str | None:
    """Record the click; returns the series fingerprint (None when the value is not an alert key)."""
    try:
        _, fingerprint = split_key(key)
    except ValueError:
        return None
    record = record_by_key(context.engine, key)
    metric, scope = (
        (record.metric, dict(record.alert.get("scope", {}))) if record else (fingerprint.split("|")[0], {})
    )
    ensure_series(context.engine, fingerprint, metric, scope, click.at)
    add_feedback(
        context.engine,
        AlertFeedback(
            alert_key=key,
            fingerprint=fingerprint,
            action=click.action,
            detail=detail,
            user_id=click.user_id[:128],
            user_name=click.user_name[:256],
            platform=click.platform[:16],
            at=click.at,
        ),
    )
    return fingerprint


def _episode(context: HandlerContext, key: str) -> dt.date:
    """The episode a click acknowledges: the one the alert belongs to (its day when unknown)."""
    day, fingerprint = split_key(key)
    state = load_series(context.engine, [fingerprint]).get(fingerprint)
    start = state.episode_start if state is not None else None
    last = state.last_seen_day if state is not None else None
    return start if start is not None and last is not None and start <= day <= last else day


def _acknowledge_episode(click: AlertClick, context: HandlerContext, fingerprint: str) -> None:
    """Quiet the series until the clicked alert's episode ends, saying who asked."""
    update_series(
        context.engine,
        fingerprint,
        click.at,
        acked_episode=_episode(context, click.alert_id),
        acked_by=(click.user_name or click.user_id)[:256],
    )


def acknowledge(click: AlertClick, context: HandlerContext) -> AlertOutcome:
    fingerprint = _store(click, context, click.alert_id)
    if fingerprint is not None:
        _acknowledge_episode(click, context, fingerprint)
    return AlertOutcome(
        note=context.t("已确认，本次异常持续期间不再提醒", "acknowledged: quiet while it lasts")
    )


def snooze(click: AlertClick, context: HandlerContext) -> AlertOutcome:
    key, duration = split_snooze_value(click.alert_id, POLICY.snooze_default)
    hours = int(duration.total_seconds() // 3600)
    days, rest_hours = divmod(hours, 24)
    fingerprint = _store(click, context, key, detail=f"{days}d" if rest_hours == 0 else f"{hours}h")
    if fingerprint is not None:
        update_series(context.engine, fingerprint, click.at, snoozed_until=click.at + duration)
    note = (
        context.t(f"已暂停提醒 {days} 天", f"snoozed for {days} days")
        if rest_hours == 0
        else context.t(f"已暂停提醒 {hours} 小时", f"snoozed for {hours} hours")
    )
    return AlertOutcome(note=note)


def false_positive(click: AlertClick, context: HandlerContext) -> AlertOutcome:
    fingerprint = _store(click, context, click.alert_id)
    if fingerprint is None:
        return AlertOutcome(note=context.t("标记为误报", "marked as a false positive"))
    _acknowledge_episode(click, context, fingerprint)
    _, multiplier = count_false_positive(
        context.engine, fingerprint, click.at, POLICY.false_positive_step, POLICY.max_threshold_multiplier
    )
    return AlertOutcome(
        note=context.t(
            f"标记为误报：该范围的告警阈值提高到 {multiplier:.2f} 倍",
            f"marked as a false positive: this scope's thresholds are now x{multiplier:.2f}",
        ),
        extra={"threshold_multiplier": f"{multiplier:.4f}"},
    )


def explain_more(click: AlertClick, context: HandlerContext) -> AlertOutcome:
    _store(click, context, click.alert_id)
    record = record_by_key(context.engine, click.alert_id)
    note = context.t("请求了更多解释", "asked for more explanation")
    if record is None:
        return AlertOutcome(note=note)
    return AlertOutcome(note=note, card=explanation_card(Alert.model_validate(record.alert), context))


def _number(value: float, metric: str) -> str:
    if not math.isfinite(value):
        return "-"
    return f"{value:,.4f}" if metric in ("arpu", "conversion") else f"{value:,.0f}"


def _scope(scope: dict[str, str], context: HandlerContext) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(scope.items())) or context.t("整体", "total")


def explanation_card(alert: Alert, context: HandlerContext) -> Card:
    """Every fact of one alert (the digest shows a summary): band, score, root causes, mix/rate, calendar.

    Uses the full alert card (``handlers.alert_card.build_alert_card``: chart, root causes, AI explanation)
    when that module is installed, else :func:`facts_card`.
    """
    try:
        from handlers.alert_card import build_alert_card
    except ImportError:
        return facts_card(alert, context)
    return build_alert_card(alert, context)


def facts_card(alert: Alert, context: HandlerContext) -> Card:
    """The alert's numbers, root causes and notes as a card, without narration."""
    pct = f"{alert.pct_change:+.1%}" if math.isfinite(alert.pct_change) else "-"
    fields = [
        CardField(label=context.t("实际", "Actual"), value=_number(alert.value, alert.metric)),
        CardField(label=context.t("预期", "Expected"), value=_number(alert.expected, alert.metric)),
        CardField(
            label=context.t("正常范围", "Normal range"),
            value=f"{_number(alert.lower, alert.metric)} – {_number(alert.upper, alert.metric)}",
        ),
        CardField(label=context.t("变化", "Change"), value=pct),
        CardField(label=context.t("异常分数", "Score"), value=f"{alert.z:+.2f}"),
    ]
    sections = [CardSection(title=context.t("数值", "Numbers"), fields=fields)]
    if alert.root_causes:
        sections.append(
            CardSection(
                title=context.t("主要来源", "Where it comes from"),
                bullets=[
                    f"{_scope(rc.slice, context)}: {rc.share:.0%}{_z(rc, context)}"
                    for rc in alert.root_causes
                ],
            )
        )
    notes = [*alert.calendar_notes, *([alert.explained_by] if alert.explained_by else [])]
    if notes:
        sections.append(CardSection(title=context.t("日历与说明", "Calendar and notes"), bullets=notes))
    return Card(
        title=context.t(
            f"{alert.metric_label} 异常详情 · {alert.date}",
            f"{alert.metric_label} anomaly details · {alert.date}",
        ),
        subtitle=_scope(alert.scope, context),
        severity=Severity(alert.severity),
        sections=sections,
        language=context.language,
    )


def register_lifecycle_hooks(policy: LifecyclePolicy | None = None) -> None:
    """Make the alert buttons act on the lifecycle (idempotent)."""
    global POLICY
    if policy is not None:
        POLICY = policy
    register_alert_action("alert_ack", acknowledge)
    register_alert_action("alert_snooze", snooze)
    register_alert_action("alert_false_positive", false_positive)
    register_alert_action("explain_more", explain_more)


def _z(cause: RootCause, context: HandlerContext) -> str:
    """``（z=-12.3，显著）`` — the slice's own move against its own noise, when it was assessed."""
    if cause.z is None:
        return ""
    word = context.t("显著", "significant") if cause.significant else context.t("不显著", "not significant")
    return context.t(f"（z={cause.z:+.1f}，{word}）", f" (z={cause.z:+.1f}, {word})")
