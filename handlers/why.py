"""``/why [日期|本周|上周] [指标] [维度值]``: why a metric moved on a day or in a week, whatever the alerts say.

Flow: parse the arguments against the cube (:func:`core.why.parse_why_args`) → scan the period's days
(its alerts, and the scan's multiple-testing family for the band; kept until the data changes, so asking
again does not scan again) → the metric's 28-day trend with the detection band
(:func:`core.why.metric_trend`) → the facts against the comparable baseline period
(:func:`core.why.build_why_facts`: root-cause slices with shares, mix/rate split, calendar notes) → the
``Explanation`` section (AI engine, 8 s, offline narrator) → the card, with the action checklist to download.
"""

from __future__ import annotations

import datetime as dt

from core.detection.models import SEVERITY_RANK
from core.narrators.explanation import baseline_label, direction_word, period_label
from core.narrators.planning_format import metric_value, pct
from core.why import (
    WhyAlert,
    WhyFacts,
    WhyParseError,
    WhyRequest,
    WhyTrend,
    build_why_facts,
    metric_trend,
    parse_why_args,
)
from core.why.build import WhyDataError
from handlers.card import Card, CardSection, Severity
from handlers.context import HandlerContext
from handlers.errors import NoDataError, UsageError
from handlers.scan import scan_days
from handlers.why_parts import (
    alerted_days,
    attach_checklist,
    checklist_input,
    explain,
    explanation_sections,
    mix_rate_section,
    number_fields,
    scope_text,
    severity_word,
    slices_table,
    trend_chart,
)

_VERBS = {"up": "rise", "down": "drop", "flat": "stay flat"}
EXAMPLES = (
    "/mo-why · /mo-why 本周 边现 · /mo-why 2026-11-23 收入 TV · /mo-why 2026-11-01~2026-11-14 DAU"
    " · /mo-why last week revenue"
)


def handle_why(args: str, context: HandlerContext) -> Card:
    facts, trend = why_facts(args, context)
    explanation, notice = explain(facts, context)
    card = why_card(facts, context)
    card.sections[1:1] = explanation_sections(explanation, context)
    card.chart = trend_chart(
        trend, _chart_title(facts, len(trend.dates), context), context, alerted_days(facts)
    )
    card.add_note(notice)
    attach_checklist(card, checklist_input(facts, explanation, card.title), context)
    return card


def why_facts(args: str, context: HandlerContext) -> tuple[WhyFacts, WhyTrend]:
    """The facts and the trend behind ``/why args`` (also ``memberops why … --json``)."""
    cube = context.data.reader()  # a warehouse answers the few days and series /why needs itself
    first, latest = cube.span()
    if first is None or latest is None:
        raise NoDataError()
    return facts_for(_parse(args, first, latest, context), context)


def facts_for(request: WhyRequest, context: HandlerContext) -> tuple[WhyFacts, WhyTrend]:
    """The facts and the trend of an already parsed request (``/kpi`` asks for four metrics at once)."""
    cube = context.data.reader()
    period = request.period
    result = scan_days(
        context.data, context.calendar, start=period.start, end=period.end, language=context.language
    )
    trend = metric_trend(
        cube,
        request.metric,
        request.scope,
        period.end,
        calendar=context.calendar,
        family_size=result.series_scored or None,
    )
    try:
        facts = build_why_facts(
            cube,
            metric=request.metric,
            period=period,
            scope=request.scope,
            calendar=context.calendar,
            language=context.language,
            alerts=result.alerts,
            trend=trend,
        )
    except WhyDataError as error:
        raise UsageError(error.zh, error.en, EXAMPLES) from error
    if facts.lower is not None and trend.dates and trend.dates[-1] == period.end:  # the table's day
        trend.expected[-1], trend.lower[-1], trend.upper[-1] = facts.expected, facts.lower, facts.upper
    return facts, trend


def why_card(facts: WhyFacts, context: HandlerContext) -> Card:
    """The card without the narrative (sections: numbers, [narrative goes here], mix/rate, calendar, alerts)."""
    t = context.t
    zh = context.language == "zh"
    where = scope_text(facts.scope, context) if facts.scope else ""
    move = direction_word(facts.direction, zh)
    title = (
        f"为什么{where + ' 的' if where else ''}{facts.metric_label}{move}了 · {period_label(facts)}"
        if zh
        else f"Why did {facts.metric_label}{' in ' + where if where else ''} {_VERBS[facts.direction]} · {period_label(facts)}"
    )
    sections = [CardSection(title=t("数字", "Numbers"), fields=number_fields(facts, context))]
    mix = mix_rate_section(facts, context)
    if mix is not None:
        sections.append(mix)
    sections.append(
        CardSection(
            title=t("日历", "Calendar"),
            bullets=[
                *facts.calendar_notes,
                *(t("对比期：", "Comparison days: ") + n for n in facts.baseline_calendar_notes),
            ]
            or [t("没有节假日或调休", "No holiday or adjusted working day")],
        )
    )
    if facts.alerts:
        sections.append(
            CardSection(
                title=t("当期告警", "Alerts of these days"),
                bullets=[_alert_line(a, context) for a in facts.alerts],
            )
        )
    table = slices_table(facts, context)
    card = Card(
        title=title,
        subtitle=t(f"对比{baseline_label(facts, True)}", f"vs {baseline_label(facts, False)}"),
        severity=_severity(facts),
        sections=sections,
        tables=[table] if table is not None else [],
        language=context.language,
    )
    card.context.append(t(f"数据截至 {facts.period.end}", f"Data up to {facts.period.end}"))
    return card


def _parse(args: str, first: dt.date, latest: dt.date, context: HandlerContext) -> WhyRequest:
    try:
        return parse_why_args(
            args,
            dimension_values=context.data.derived("dimension_values", lambda: _dimension_values(context)),
            first_day=first,
            latest_day=latest,
            reference_day=context.reference_day(),
        )
    except WhyParseError as error:
        raise UsageError(error.zh, error.en, EXAMPLES) from error


def _dimension_values(context: HandlerContext) -> dict[str, list[str]]:
    """Every value of every dimension (what an argument such as ``TV`` may name)."""
    return context.data.reader().dimension_values()


def _alert_line(alert: WhyAlert, context: HandlerContext) -> str:
    label = severity_word(alert.severity, context)
    causes = "，".join(
        f"{scope_text(r.slice, context)} {pct(r.share, signed=False, digits=0)}"
        for r in alert.root_causes[:3]
    )
    line = (
        f"[{label}] {alert.date} {alert.metric_label} · {scope_text(alert.scope, context)}: "
        f"{metric_value(alert.metric, alert.value)}"
        + context.t(
            f"（预期 {metric_value(alert.metric, alert.expected)}，{pct(alert.pct_change)}）",
            f" (expected {metric_value(alert.metric, alert.expected)}, {pct(alert.pct_change)})",
        )
    )
    return line + (context.t(f"；根因：{causes}", f"; root causes: {causes}") if causes else "")


def _severity(facts: WhyFacts) -> Severity:
    own = [a for a in facts.alerts if a.metric == facts.metric]
    if not own:
        return Severity.INFO
    return Severity(max((a.severity for a in own), key=lambda s: SEVERITY_RANK.get(s, 0)))


def _chart_title(facts: WhyFacts, days: int, context: HandlerContext) -> str:
    where = scope_text(facts.scope, context)
    return context.t(
        f"{facts.metric_label} 近 {days} 天（{where}）", f"{facts.metric_label}, last {days} days ({where})"
    )
