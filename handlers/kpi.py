"""``/kpi [日期 | 本周 | 上周 | D1~D2] [dim=value …]`` (also 看板, 指标): the four numbers of a day or a period.

For each of DAU, 收入, 边现 and 转化率 (new and renewed members below them): the value, the comparable baseline,
the change, the normal range and the state — 告警 (with its severity) when the scan alerts on that metric and
slice in the period, 波动 when the change is outside its normal range without an alert (a holiday or another
benign explanation), else 正常. Every number is ``/why``'s (:func:`handlers.why.facts_for`): for a day, the
scan's own baseline and band; for a week or a range, the same weekdays earlier and the z of that comparison.
"""

from __future__ import annotations

from dataclasses import replace

from core.cube import METRICS
from core.narrators.planning_format import metric_value, pct
from core.why.args import WhyParseError, parse_why_args
from core.why.models import WhyAlert, WhyFacts, WhyTrend
from handlers.card import Card, CardTable, Chart, ChartSeries, Severity
from handlers.context import HandlerContext
from handlers.errors import NoDataError, UsageError
from handlers.why import facts_for
from handlers.why_parts import alerted_days, marked_days, scope_text, severity_word

EXAMPLES = "/mo-kpi · /mo-kpi 本周 · /mo-kpi 2026-11-23 segment=家庭向高活跃 · /mo-kpi 2026-11-01~2026-11-14"
PANEL = ("dau", "revenue", "arpu", "conversion", "new_members", "renew_members")


def handle_kpi(args: str, context: HandlerContext) -> Card:
    reader = context.data.reader()
    first, latest = reader.span()
    if first is None or latest is None:
        raise NoDataError()
    try:
        request = parse_why_args(
            args, dimension_values=reader.dimension_values(), first_day=first, latest_day=latest,
            reference_day=context.reference_day(),
        )  # fmt: skip
    except WhyParseError as error:
        raise UsageError(error.zh, error.en, EXAMPLES) from error
    answers = [facts_for(replace(request, metric=metric), context) for metric in PANEL]
    card = _card([facts for facts, _ in answers], context)
    card.chart = _small_charts([(facts, trend) for facts, trend in answers[:4]], context)
    return card


def _small_charts(answers: list[tuple[WhyFacts, WhyTrend]], context: HandlerContext) -> Chart:
    """Four small charts of the last days with the detection band, the alerting days marked."""
    series = [
        ChartSeries(
            name=METRICS[facts.metric].label(context.language),
            x=[d.isoformat() for d in trend.dates],
            y=trend.values,
            lower=trend.lower if any(v is not None for v in trend.lower) else None,
            upper=trend.upper if any(v is not None for v in trend.upper) else None,
            highlight=marked_days(trend, alerted_days(facts)),
        )
        for facts, trend in answers
    ]
    where = scope_text(answers[0][0].scope, context)
    return Chart(
        kind="panel",
        title=context.t(f"近 {len(series[0].x)} 天 · {where}", f"Last {len(series[0].x)} days · {where}"),
        series=series,
    )


def _card(facts: list[WhyFacts], context: HandlerContext) -> Card:
    t = context.t
    head = facts[0]
    period = (
        f"{head.period.start}"
        if head.period.start == head.period.end
        else f"{head.period.start}~{head.period.end}"
    )
    alerts = [_alert_of(f) for f in facts]
    states = [_state(f, a, context) for f, a in zip(facts, alerts, strict=True)]
    worst = max((a.severity for a in alerts if a is not None), key=_rank, default=None)
    rows = [
        [
            METRICS[f.metric].label(context.language),
            metric_value(f.metric, f.value),
            metric_value(f.metric, f.expected if f.expected is not None else f.baseline),
            pct(f.pct_vs_expected if f.pct_vs_expected is not None else f.pct_change),
            f"{metric_value(f.metric, f.normal_low)} ~ {metric_value(f.metric, f.normal_high)}"
            if f.normal_low is not None and f.normal_high is not None
            else "—",
            state,
        ]
        for f, state in zip(facts, states, strict=True)
    ]
    card = Card(
        title=t(
            f"指标看板 · {period} · {scope_text(head.scope, context)}",
            f"KPIs · {period} · {scope_text(head.scope, context)}",
        ),
        subtitle=t(f"对比：{_baseline(head, True)}", f"Against: {_baseline(head, False)}"),
        severity=Severity(worst) if worst else Severity.INFO,
        tables=[
            CardTable(
                title=t(
                    "DAU / 收入 / 边现 / 转化率（及新增、续费会员）",
                    "DAU / revenue / 边现 / conversion (and members)",
                ),
                columns=[
                    t("指标", "Metric"),
                    t("当期", "Value"),
                    t("基线", "Baseline"),
                    t("变化", "Change"),
                    t("正常范围", "Normal range"),
                    t("状态", "State"),
                ],
                rows=rows,
            )
        ],
        language=context.language,
    )
    card.context.append(
        t(
            f"数据截至 {head.period.end}；数字与 /mo-why、每日告警同源",
            f"Data up to {head.period.end}; the same numbers as /mo-why and the daily alerts",
        )
    )
    return card


def _alert_of(facts: WhyFacts) -> WhyAlert | None:
    """The scan's alert on this metric and slice in the period (the first, most important one)."""
    return next((a for a in facts.alerts if a.metric == facts.metric and a.scope == facts.scope), None)


def _state(facts: WhyFacts, alert: WhyAlert | None, context: HandlerContext) -> str:
    if alert is not None:
        return severity_word(alert.severity, context) + context.t("告警", " alert")
    if facts.within_normal_range is False:
        return context.t("波动（未告警）", "moved (no alert)")
    return context.t("正常", "normal")


def _rank(severity: str) -> int:
    return {"minor": 1, "moderate": 2, "severe": 3}.get(severity, 0)


def _baseline(facts: WhyFacts, zh: bool) -> str:
    if facts.period.kind == "day":
        return (
            "检测基线（日历调整后的同类日）"
            if zh
            else "the detection baseline (comparable days, calendar-adjusted)"
        )
    start, end = facts.period.baseline_start, facts.period.baseline_end
    return f"{start}~{end}"
