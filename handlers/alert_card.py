"""Alert cards: one alert in full, one day's alerts as a digest, and the "data not arrived yet" notice.

* :func:`alert_key` – the stable key ``YYYY-MM-DD|metric|scope`` (scope ``dim=value`` pairs sorted by
  dimension and joined by ``&``, ``*`` for the total; the same rule as ``scheduler.alert_keys``), the
  value of every alert button.
* :func:`build_alert_card` – severity, metric, value vs expected and %, the 28-day chart with the band,
  the root-cause slices with shares, the explanation (AI section, offline narrator) and the buttons.
* :func:`build_digest_card` – a day's alerts, most important first: the top five with their explanation,
  the rest one line each in a "more" section, moves the scan explained (holiday, denominator…) as one
  quiet context line; buttons per shown alert, labelled with its short name.

The explanations of a digest share one time budget (``DIGEST_BUDGET_S``) so that five slow model calls
cannot hold the morning digest for 40 s; past the budget the offline narrator answers at once.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable

from core.ai.sections import Explanation
from core.cube import METRICS
from core.detection.config import DetectionConfig
from core.detection.metric_tree import tree_facts
from core.detection.models import Alert, PanelMetric, ScanResult, importance
from core.narrators.explanation import direction_word
from core.narrators.metric_tree import tree_sentence
from core.narrators.planning_format import metric_value, pct
from core.why import WhyTrend, facts_from_alert, metric_trend, series_count
from handlers.card import Button, Card, CardField, CardSection, Severity
from handlers.context import HandlerContext
from handlers.why_parts import (
    attach_checklist,
    checklist_input,
    explain,
    explanation_sections,
    mix_rate_section,
    scope_text,
    severity_word,
    short_scope,
    slices_table,
    trend_chart,
)

TOP_ALERTS = 5
DIGEST_BUDGET_S = 20.0
MIN_DEADLINE_S = 0.5
FOLDED_SHOWN = 5
FLAT_Z = DetectionConfig().minor  # a metric whose score stays below the alert threshold is "flat"
ALERT_BUTTONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("alert_ack", "确认", "Acknowledge", "primary"),
    ("alert_snooze", "暂停提醒", "Snooze", None),
    ("alert_false_positive", "误报", "False positive", "danger"),
    ("explain_more", "更多解释", "Explain more", None),
)


def alert_key(alert: Alert) -> str:
    scope = "&".join(f"{name}={alert.scope[name]}" for name in sorted(alert.scope)) or "*"
    return f"{alert.date.isoformat()}|{alert.metric}|{scope}"


def metric_label(alert: Alert, context: HandlerContext, metric: str | None = None) -> str:
    """The name of the alert's metric (or of ``metric``, one folded into it) in the reader's language (the
    scan may have run in the other one)."""
    metric = metric or alert.metric
    if metric in METRICS:
        return METRICS[metric].label(context.language)
    return alert.metric_label if metric == alert.metric else metric


def alert_short_name(alert: Alert, context: HandlerContext) -> str:
    return f"{metric_label(alert, context)}·{short_scope(alert.scope, context)}"


def alert_headline(alert: Alert, context: HandlerContext) -> str:
    """``[严重] 边现下降 -18.3% · segment=动漫偏好活跃``."""
    move = direction_word(alert.direction, context.language == "zh")
    space = "" if context.language == "zh" else " "
    return (
        f"[{severity_word(alert.severity, context)}] {metric_label(alert, context)}{space}{move} {pct(_finite(alert.pct_change))}"
        f" · {scope_text(alert.scope, context)}"
    )


def build_alert_card(alert: Alert, context: HandlerContext, *, family_size: int | None = None) -> Card:
    """Every fact of one alert with its explanation, chart, checklist and buttons."""
    facts = facts_from_alert(alert, context.language)
    explanation, notice = explain(facts, context)
    t = context.t
    card = Card(
        title=alert_headline(alert, context),
        subtitle=t(f"{alert.date} · 对比检测基线", f"{alert.date} · vs the detection baseline"),
        severity=Severity(alert.severity),
        sections=[CardSection(title=t("数字", "Numbers"), fields=_alert_fields(alert, context))],
        language=context.language,
    )
    card.sections += explanation_sections(explanation, context)
    mix = mix_rate_section(facts, context)
    if mix is not None:
        card.sections.append(mix)
    card.sections += _notes_sections(alert, context)
    table = slices_table(facts, context)
    if table is not None:
        card.tables.append(table)
    trend = _trend(alert, context, family_size)
    if trend is not None:
        card.chart = trend_chart(
            trend,
            f"{metric_label(alert, context)} · {scope_text(alert.scope, context)}",
            context,
            {alert.date},
        )
    card.add_note(notice)
    attach_checklist(card, checklist_input(facts, explanation, card.title), context)
    card.buttons += alert_buttons(alert, context, named=False)
    return card


def alert_buttons(alert: Alert, context: HandlerContext, *, named: bool) -> list[Button]:
    key = alert_key(alert)
    suffix = f" {alert_short_name(alert, context)}" if named else ""
    return [
        Button(action_id=action, label=context.t(zh, en) + suffix, value=key, style=style)
        for action, zh, en, style in ALERT_BUTTONS
    ]


def build_digest_card(
    result: ScanResult,
    context: HandlerContext,
    *,
    day: dt.date,
    keys_to_show: list[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Card:
    """One day's alerts as one card; ``keys_to_show`` (alert keys) limits it to the alerts to announce."""
    t = context.t
    alerts = sorted((a for a in result.alerts if a.date == day), key=importance)
    if keys_to_show is not None:
        wanted = set(keys_to_show)
        alerts = [a for a in alerts if alert_key(a) in wanted]
    explained = [a for a in result.explained if a.date == day]
    if not alerts:
        return _quiet_digest(result, context, day, explained)
    top, rest = alerts[:TOP_ALERTS], alerts[TOP_ALERTS:]
    card = Card(
        title=t(f"{day} 异常日报：{len(alerts)} 条告警", f"Alerts for {day}: {len(alerts)}"),
        subtitle=t("按严重程度排序", "Most severe first"),
        severity=Severity(top[0].severity),
        language=context.language,
        sections=panel_sections(result, day, context),
    )
    started = clock()
    explanations: list[Explanation] = []
    for index, alert in enumerate(top, start=1):
        remaining = DIGEST_BUDGET_S - (clock() - started)
        section, explanation, notice = _digest_section(
            index, alert, context, max(MIN_DEADLINE_S, min(context.ai_deadline_s, remaining))
        )
        card.sections.append(section)
        explanations.append(explanation)
        card.add_note(notice)
    if rest:
        card.sections.append(
            CardSection(
                title=t(f"更多（{len(rest)} 条）", f"More ({len(rest)})"),
                bullets=[_one_line(a, context) for a in rest],
            )
        )
    if explained:
        card.context.append(_explained_line(explained, context))
    lead = top[0]
    trend = _trend(lead, context, result.series_scored or None)
    if trend is not None:
        card.chart = trend_chart(
            trend,
            f"{metric_label(lead, context)} · {scope_text(lead.scope, context)}",
            context,
            {lead.date},
        )
    attach_checklist(
        card,
        checklist_input(
            facts_from_alert(lead, context.language), explanations[0], alert_headline(lead, context)
        ),
        context,
        label=t(
            f"下载行动清单 {alert_short_name(lead, context)}", f"Checklist {alert_short_name(lead, context)}"
        ),
    )
    for alert in top:
        card.buttons += alert_buttons(alert, context, named=True)
    card.context.append(t(f"数据日期 {day}", f"Data date {day}"))
    return card


def data_not_arrived_card(day: dt.date, context: HandlerContext, *, recheck_minutes: int = 30) -> Card:
    t = context.t
    return Card(
        title=t("昨天的数据还没到", "Yesterday's data has not arrived yet"),
        sections=[
            CardSection(
                text=t(
                    f"{day} 的数据还没到，{recheck_minutes} 分钟后再检查。数据到达后会自动发送异常日报。",
                    f"The data for {day} has not arrived yet; checking again in {recheck_minutes} minutes. "
                    "The alert digest follows once it is in.",
                )
            )
        ],
        severity=Severity.INFO,
        language=context.language,
    )


# --- pieces -------------------------------------------------------------------------------------------------


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def tree_field(alert: Alert, context: HandlerContext) -> list[CardField]:
    """ "收入 -9.0%，由 DAU -9.0% 引起；边现持平" when the alert's driver took followers with it."""
    facts = tree_facts(alert.metric, alert.tree, FLAT_Z)
    if facts is None:
        return []
    return [
        CardField(label=context.t("指标关系", "Metric tree"), value=tree_sentence(facts, context.language))
    ]


def _alert_fields(alert: Alert, context: HandlerContext) -> list[CardField]:
    t = context.t
    m = alert.metric
    return [
        CardField(label=t("指标", "Metric"), value=metric_label(alert, context)),
        CardField(label=t("范围", "Scope"), value=scope_text(alert.scope, context)),
        CardField(label=t("实际", "Actual"), value=metric_value(m, alert.value)),
        CardField(label=t("预期", "Expected"), value=metric_value(m, alert.expected)),
        CardField(label=t("变化", "Change"), value=pct(_finite(alert.pct_change))),
        CardField(
            label=t("正常范围", "Normal range"),
            value=f"{metric_value(m, alert.lower)} ~ {metric_value(m, alert.upper)}",
        ),
        CardField(
            label=t("严重程度", "Severity"),
            value=f"{severity_word(alert.severity, context)} (z={alert.z:+.2f})",
        ),
        *tree_field(alert, context),
    ]


def _notes_sections(alert: Alert, context: HandlerContext) -> list[CardSection]:
    t = context.t
    sections = []
    notes = [*alert.calendar_notes, *([alert.explained_by] if alert.explained_by else [])]
    if notes:
        sections.append(CardSection(title=t("日历与说明", "Calendar and notes"), bullets=notes))
    if alert.folded:
        lines = [
            f"{metric_label(alert, context, f.metric)} · {scope_text(f.scope, context)}: {pct(_finite(f.pct_change))}"
            for f in alert.folded[:FOLDED_SHOWN]
        ]
        if len(alert.folded) > FOLDED_SHOWN:
            lines.append(
                t(f"另有 {len(alert.folded) - FOLDED_SHOWN} 项", f"{len(alert.folded) - FOLDED_SHOWN} more")
            )
        sections.append(CardSection(title=t("同一事件的其他表现", "Same incident elsewhere"), bullets=lines))
    return sections


def _digest_section(
    index: int, alert: Alert, context: HandlerContext, deadline_s: float
) -> tuple[CardSection, Explanation, str | None]:
    t = context.t
    explanation, notice = explain(facts_from_alert(alert, context.language), context, deadline_s=deadline_s)
    m = alert.metric
    section = CardSection(
        title=f"{index}. {alert_headline(alert, context)}",
        text=explanation.data_insight,
        fields=[
            CardField(label=t("实际", "Actual"), value=metric_value(m, alert.value)),
            CardField(label=t("预期", "Expected"), value=metric_value(m, alert.expected)),
            CardField(label=t("变化", "Change"), value=pct(_finite(alert.pct_change))),
            *tree_field(alert, context),
        ],
        bullets=[*explanation.core_causes, *(t("建议：", "Action: ") + a for a in explanation.actions)],
    )
    return section, explanation, notice


def _one_line(alert: Alert, context: HandlerContext) -> str:
    m = alert.metric
    return context.t(
        f"{alert_headline(alert, context)}：{metric_value(m, alert.value)}（预期 {metric_value(m, alert.expected)}）",
        f"{alert_headline(alert, context)}: {metric_value(m, alert.value)} (expected {metric_value(m, alert.expected)})",
    )


def _explained_line(explained: list[Alert], context: HandlerContext) -> str:
    parts = [
        f"{metric_label(a, context)} · {short_scope(a.scope, context)} {pct(_finite(a.pct_change))}"
        + (context.t(f"（{a.explained_by}）", f" ({a.explained_by})") if a.explained_by else "")
        for a in explained[:3]
    ]
    more = len(explained) - len(parts)
    tail = context.t(f" 等 {len(explained)} 项", f" and {more} more") if more > 0 else ""
    return (
        context.t("已有解释、不单独提醒的变化：", "Explained moves, not alerted: ") + "；".join(parts) + tail
    )


def _quiet_digest(result: ScanResult, context: HandlerContext, day: dt.date, explained: list[Alert]) -> Card:
    t = context.t
    status = next((s for s in result.statuses if s.date == day), None)
    if status is not None and status.status == "not_enough_data":
        text = t(f"{day} 无法检测：{status.reason}", f"{day} could not be scanned: {status.reason}")
    else:
        text = t(f"{day} 没有需要关注的异常。", f"No anomalies that need attention on {day}.")
    card = Card(
        title=t(f"{day} 异常日报：全部正常", f"Alerts for {day}: all normal")
        if status is None or status.status != "not_enough_data"
        else t(f"{day} 异常日报：无法检测", f"Alerts for {day}: not scanned"),
        sections=[*panel_sections(result, day, context), CardSection(text=text)],
        severity=Severity.INFO,
        language=context.language,
    )
    if explained:
        card.context.append(_explained_line(explained, context))
    return card


def panel_sections(result: ScanResult, day: dt.date, context: HandlerContext) -> list[CardSection]:
    """The day's four numbers of the whole cube, each with its change against the detection baseline and
    its state (正常 / 告警 with severity / 已解释) – the scan's own numbers (``ScanResult.panel``)."""
    rows = [m for m in result.panel if m.date == day]
    if not rows:
        return []
    fields = [
        CardField(
            label=METRICS[m.metric].label(context.language),
            value=f"{metric_value(m.metric, m.value)}（{pct(m.change)}，{_panel_state(m, context)}）"
            if context.language == "zh"
            else f"{metric_value(m.metric, m.value)} ({pct(m.change)}, {_panel_state(m, context)})",
        )
        for m in rows
    ]
    return [
        CardSection(
            title=context.t("今日指标（整体，对比检测基线）", "Key metrics (total, vs the baseline)"),
            fields=fields,
        )
    ]


def _panel_state(metric: PanelMetric, context: HandlerContext) -> str:
    if metric.state == "alert":
        return severity_word(metric.severity or "minor", context) + context.t("告警", " alert")
    return context.t("已解释", "explained") if metric.state == "explained" else context.t("正常", "normal")


def _trend(alert: Alert, context: HandlerContext, family_size: int | None) -> WhyTrend | None:
    reader = context.data.reader()
    last = reader.span()[1]
    if last is None or alert.date > last:
        return None
    family = family_size or series_count(reader, alert.date)
    return metric_trend(
        reader, alert.metric, alert.scope, alert.date, calendar=context.calendar, family_size=family
    )
