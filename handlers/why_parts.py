"""Card pieces shared by ``/why`` and the alert cards: numbers, slice table, explanation, chart, checklist.

Every figure is formatted from the facts (:class:`core.why.WhyFacts`, :class:`core.why.WhyTrend`) with the
same rules as the offline narrator (:mod:`core.narrators.planning_format`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping

from core.ai.sections import Explanation
from core.documents.action_checklist import action_checklist
from core.documents.models import ActionChecklistInput, ActionItem, RootCauseShare
from core.narrators.explanation import baseline_label, causal_slices, narrate_explanation, period_label
from core.narrators.planning_format import metric_value, pct
from core.why.models import WhyFacts, WhyTrend
from handlers.card import Card, CardField, CardSection, CardTable, Chart, ChartSeries
from handlers.context import HandlerContext
from handlers.downloads import offer_download

INSTRUCTIONS = (
    "Explain why the metric moved for a membership-operations team: the core causes (name the root-cause "
    "slices with their shares and whether the change is mix or rate), one data insight (value vs baseline, "
    "calendar context) and exactly three concrete actions that fit the cause's dimension (resource position: "
    "creative/placement and exposure; discount: coupon rules; content: line-up; platform: client release and "
    "payment flow; segment: targeted recall). Use only the numbers in the facts; do not compute new ones."
)


def explain(
    facts: WhyFacts, context: HandlerContext, *, deadline_s: float | None = None
) -> tuple[Explanation, str | None]:
    """The Explanation section through the AI engine (offline narrator when there is no model)."""
    result = context.narrate(
        "explanation",
        facts,
        Explanation,
        narrate_explanation,  # type: ignore[arg-type]
        INSTRUCTIONS,
        deadline_s=deadline_s,
    )
    return result.value, result.notice


SEVERITY_WORDS: dict[str, tuple[str, str]] = {
    "severe": ("严重", "severe"),
    "moderate": ("中等", "moderate"),
    "minor": ("轻微", "minor"),
}


def severity_word(severity: str, context: HandlerContext) -> str:
    zh, en = SEVERITY_WORDS.get(severity, (severity, severity))
    return context.t(zh, en)


def scope_text(scope: Mapping[str, str], context: HandlerContext) -> str:
    return " · ".join(f"{k}={v}" for k, v in scope.items()) or context.t("整体", "total")


def short_scope(scope: Mapping[str, str], context: HandlerContext) -> str:
    return "/".join(str(v) for v in scope.values()) or context.t("整体", "total")


def signed_value(metric: str, value: float | None) -> str:
    """A change in the metric's unit with its sign: ``-0.0112 元``, ``+1,234``."""
    if value is None or not math.isfinite(value):
        return "—"
    return ("+" if value >= 0 else "-") + metric_value(metric, abs(value))


def number_fields(facts: WhyFacts, context: HandlerContext) -> list[CardField]:
    t = context.t
    m = facts.metric
    average = t("（日均）", " (daily average)") if facts.daily_average else ""
    fields = [
        CardField(
            label=t("当期", "This period") + average,
            value=f"{period_label(facts)}: {metric_value(m, facts.value)}",
        ),
        CardField(
            label=t("基线", "Baseline"),
            value=f"{metric_value(m, facts.baseline)}（{baseline_label(facts, context.language == 'zh')}）",
        ),
        CardField(
            label=t("变化", "Change"), value=f"{signed_value(m, facts.change)}（{pct(facts.pct_change)}）"
        ),
    ]
    if facts.expected is not None and facts.comparison != "expected":
        fields.append(
            CardField(
                label=t("检测基线", "Detection baseline"),
                value=f"{metric_value(m, facts.expected)}（{pct(facts.pct_vs_expected)}）",
            )
        )
    if facts.lower is not None and facts.upper is not None:
        fields.append(
            CardField(
                label=t("正常范围", "Normal range"),
                value=f"{metric_value(m, facts.lower)} ~ {metric_value(m, facts.upper)}",
            )
        )
    noise = normal_range_field(facts, context)
    if noise is not None:
        fields.append(noise)
    return fields


def slices_table(facts: WhyFacts, context: HandlerContext) -> CardTable | None:
    if not facts.slices:
        return None
    t = context.t
    m = facts.metric
    rows = [
        [
            scope_text({**facts.scope, **s.slice}, context),
            pct(s.share, signed=False, digits=1),
            metric_value(m, s.actual) if s.actual is not None else "—",
            metric_value(m, s.expected) if s.expected is not None else "—",
            pct(s.change) if s.change is not None else "—",
            _significance(s.z, s.significant, context),
        ]
        for s in facts.slices
    ]
    return CardTable(
        title=t("根因切片（贡献占比）", "Root-cause slices (share of the change)"),
        columns=[
            t("切片", "Slice"),
            t("贡献占比", "Share"),
            t("当期", "Actual"),
            t("基线", "Baseline"),
            t("变化", "Change"),
            t("显著性（z）", "Significance (z)"),
        ],
        rows=rows,
    )


def _significance(z: float | None, significant: bool | None, context: HandlerContext) -> str:
    if z is None:
        return "—"
    word = context.t("显著", "significant") if significant else context.t("不显著", "not significant")
    return f"{word}（{z:+.1f}）"


def normal_range_field(facts: WhyFacts, context: HandlerContext) -> CardField | None:
    """Whether the change is ordinary noise (with its z where the comparison's history gives one)."""
    if facts.within_normal_range is None:
        return None
    z = f"（z={facts.z:+.1f}）" if facts.z is not None and facts.comparison != "expected" else ""
    verdict = (
        context.t("在正常波动范围内", "within the normal range")
        if facts.within_normal_range
        else context.t("超出正常波动", "outside the normal range")
    )
    return CardField(label=context.t("波动判断", "Noise check"), value=verdict + z)


def mix_rate_section(facts: WhyFacts, context: HandlerContext) -> CardSection | None:
    split = facts.mix_rate
    if split is None:
        return None
    t = context.t
    m = facts.metric
    return CardSection(
        title=t(
            f"结构 vs 比率（按 {'、'.join(split.dimensions)}）",
            f"Mix vs rate (by {', '.join(split.dimensions)})",
        ),
        fields=[
            CardField(
                label=t("结构效应", "Mix effect"),
                value=f"{signed_value(m, split.mix)}（{pct(abs(split.mix_share), signed=False)}）",
            ),
            CardField(
                label=t("比率效应", "Rate effect"),
                value=f"{signed_value(m, split.rate)}（{pct(abs(split.rate_share), signed=False)}）",
            ),
        ],
    )


def explanation_sections(explanation: Explanation, context: HandlerContext) -> list[CardSection]:
    t = context.t
    return [
        CardSection(title=t("核心原因", "Core causes"), bullets=list(explanation.core_causes)),
        CardSection(title=t("数据洞察", "Data insight"), text=explanation.data_insight),
        CardSection(title=t("行动建议", "Actions"), bullets=list(explanation.actions)),
    ]


def trend_chart(
    trend: WhyTrend, title: str, context: HandlerContext, alerted: Collection[dt.date] = ()
) -> Chart:
    """The trend with its band; marked: the days outside the band and the days the scan alerted on."""
    x = [d.isoformat() for d in trend.dates]
    has_band = any(v is not None for v in trend.lower)
    series = [
        ChartSeries(
            name=context.t("实际", "Actual"),
            x=x,
            y=trend.values,
            lower=trend.lower if has_band else None,
            upper=trend.upper if has_band else None,
            highlight=marked_days(trend, alerted),
        )
    ]
    if any(v is not None for v in trend.expected):
        series.append(ChartSeries(name=context.t("检测基线", "Expected"), x=x, y=trend.expected))
    return Chart(kind="trend", title=title, series=series)


def alerted_days(facts: WhyFacts) -> set[dt.date]:
    """The days of the period the scan alerted on this metric and slice."""
    return {a.date for a in facts.alerts if a.metric == facts.metric and a.scope == facts.scope}


def marked_days(trend: WhyTrend, alerted: Collection[dt.date]) -> list[int]:
    """Indexes of the trend's days to mark: outside the band, or alerted on by the scan.

    The scan is the judge of an alert: it scores a series beside every overlapping slice and leaves the
    days they alert on out of its baseline, which a trend scored on its own does not, so its band can hold
    a day the scan alerts on.
    """
    wanted = set(alerted)
    return sorted(set(trend.anomalies) | {i for i, day in enumerate(trend.dates) if day in wanted})


def checklist_input(facts: WhyFacts, explanation: Explanation, title: str) -> ActionChecklistInput:
    return ActionChecklistInput(
        title=title,
        metric=facts.metric,
        date=facts.period.end,
        actual=facts.value,
        expected=facts.baseline,
        causes=list(explanation.core_causes),
        actions=[ActionItem(action=a) for a in explanation.actions],
        slices=[
            RootCauseShare(
                slice={**facts.scope, **s.slice}, share=s.share, actual=s.actual, expected=s.expected
            )
            for s in causal_slices(facts)
        ],
    )


def attach_checklist(
    card: Card, data: ActionChecklistInput, context: HandlerContext, label: str | None = None
) -> None:
    """Store the checklist as xlsx and Markdown, attach both, and add a download button for the xlsx."""
    language = "en" if context.language == "en" else "zh"
    offer_download(
        card,
        context.engine,
        action_checklist(data, language=language, fmt="xlsx"),
        button=label or context.t("下载行动清单", "Download action checklist"),
        style="primary",
    )
    offer_download(card, context.engine, action_checklist(data, language=language, fmt="markdown"))
