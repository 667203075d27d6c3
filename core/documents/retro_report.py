"""The full retro report: the effect against the counterfactual (when one was fitted), summary vs plan,
metrics, drivers, ROI rankings, shortfalls, improvements, next-time advice, the daily trend (with the
counterfactual's 边现 beside the actual one) and the reusable execution template appended.

``narrative`` holds the AI's (or a person's) words by key: ``summary``, ``improvements`` and ``next_time``
go into their parts, any other key becomes an extra part headed by the key. Without a narrative the
improvements are the template's lesson checks and the advice names the best-ROI position and content.
"""

from __future__ import annotations

from core.documents.execution_template import execution_template_parts
from core.documents.filenames import Format
from core.documents.labels import (
    check_phrase,
    metric_kind,
    metric_label,
    note_phrase,
    pick,
    shortfall_phrase,
)
from core.documents.layout import Cell, Column, ColumnKind, Layout, Part, Table, num
from core.documents.models import Document
from core.documents.parts import bullet_part
from core.documents.render import render_document
from core.narrators.retro_effect import EFFECT_TITLE, effect_text
from core.retro.counterfactual import incremental_revenue, incremental_roi
from core.retro.models import RetroFacts, RoiRank, Shortfall

Narrative = dict[str, list[str] | str]
KNOWN_KEYS = ("summary", "improvements", "next_time")


def retro_report(
    facts: RetroFacts, narrative: Narrative | None = None, *, language: str = "zh", fmt: Format = "markdown"
) -> Document:
    narrative = narrative or {}
    effect = _effect(facts, language)
    parts = [
        *([effect] if effect else []),
        _summary(facts, narrative, language),
        _metrics(facts, language),
        _drivers(facts, language),
        _roi(
            facts.roi_by_content,
            pick(language, "内容ROI排名", "ROI by content type"),
            pick(language, "内容ROI", "ROI content"),
            language,
        ),
        _roi(
            facts.roi_by_position,
            pick(language, "资源位ROI排名", "ROI by resource position"),
            pick(language, "资源位ROI", "ROI positions"),
            language,
        ),
        _shortfalls(facts.shortfalls, language),
        _improvements(facts, narrative, language),
        _advice(facts, narrative, language),
        *_extra_parts(narrative),
        _daily(facts, language),
        *execution_template_parts(facts.template, language),
    ]
    title = (
        f"{pick(language, '复盘报告', 'Retro report')}：{facts.title}"
        if language == "zh"
        else (f"Retro report: {facts.title}")
    )
    subject = facts.target.campaign_id or facts.template.based_on or ""
    return render_document(
        Layout(title=title, subtitle=_period_line(facts, language), parts=parts),
        fmt=fmt,
        language=language,
        kind=("复盘报告", "retro-report"),
        subjects=([subject], [subject]),
        when=facts.target.end,
    )


def _lines(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _period_line(facts: RetroFacts, language: str) -> str:
    scope = "，".join(f"{k}={v}" for k, v in facts.scope.items()) or pick(language, "全量", "all data")
    return pick(
        language,
        f"复盘期 {facts.target.start}~{facts.target.end}（{facts.target.days}天），对比前期 "
        f"{facts.before_start}~{facts.before_end}；范围：{scope}",
        f"Period {facts.target.start}~{facts.target.end} ({facts.target.days} days) vs "
        f"{facts.before_start}~{facts.before_end}; scope: {scope}",
    )


def _effect(facts: RetroFacts, language: str) -> Part | None:
    """What the card leads with: each metric against the counterfactual with its 80 % interval and p-value,
    the incremental revenue and its ROI on the spend; the verdict and what it rests on above the table."""
    lift = facts.counterfactual
    if lift is None:
        return None

    def t(zh: str, en: str) -> str:
        return pick(language, zh, en)

    rows: list[list[Cell]] = [
        [
            metric_label(name, language),
            num(m.actual, metric_kind(name)),
            num(m.counterfactual, metric_kind(name)),
            num(m.lift, "percent"),
            num(m.lift_low, "percent"),
            num(m.lift_high, "percent"),
            num(m.p_value, "number"),
        ]
        for name, m in lift.metrics.items()
    ]
    extra = incremental_revenue(lift)
    if extra is not None:
        rows.append([t("增量收入（元）", "Incremental revenue (元)"), None, None,
                     *(num(extra[end], "money") for end in ("estimate", "low", "high")), None])  # fmt: skip
    roi = incremental_roi(lift, facts.cost)
    if roi is not None:
        rows.append([t("ROI（增量收入 ÷ 花费）", "ROI (incremental revenue ÷ spend)"), None, None,
                     *(num(roi[end], "number") for end in ("estimate", "low", "high")), None])  # fmt: skip
    paragraphs = [effect_text(lift, t)]
    if lift.mde is not None:
        paragraphs.append(
            t(
                f"最小可检测效果（边现）：{lift.mde:+.1%}",
                f"Minimum detectable effect (边现): {lift.mde:+.1%}",
            )
        )
    return Part(
        heading=t(*EFFECT_TITLE),
        sheet=t("活动效果", "Effect"),
        paragraphs=paragraphs,
        table=Table(
            columns=[
                Column(label=t("指标", "Metric")),
                Column(label=t("实际", "Actual"), kind="number"),
                Column(label=t("反事实（无活动）", "Counterfactual"), kind="number"),
                Column(label=t("提升 / 增量", "Lift / increment"), kind="number"),
                Column(label=t("80% 下限", "80 % low"), kind="number"),
                Column(label=t("80% 上限", "80 % high"), kind="number"),
                Column(label=t("p 值", "p-value"), kind="number"),
            ],
            rows=rows,
        )
        if rows
        else None,
    )


def _summary(facts: RetroFacts, narrative: Narrative, language: str) -> Part:
    plan = facts.plan
    met = {True: pick(language, "达成", "met"), False: pick(language, "未达成", "missed"), None: ""}
    rows: list[list[Cell]] = [
        [
            pick(language, "预算（元）", "Budget (元)"),
            num(plan.budget_planned, "money"),
            num(plan.budget_used, "money"),
            None,
            _usage_text(plan.budget_usage, language),
        ],
        [
            pick(language, "边现提升", "ARPU lift"),
            num(plan.target_arpu_lift, "percent"),
            num(plan.recorded_arpu_lift, "percent"),
            num(plan.measured_arpu_lift, "percent"),
            met[plan.arpu_target_met],
        ],
        [
            pick(language, "收入提升", "Revenue lift"),
            None,
            num(plan.recorded_revenue_lift, "percent"),
            num(plan.measured_revenue_lift, "percent"),
            "",
        ],
        [
            pick(language, "ROI", "ROI"),
            None,
            num(plan.recorded_roi, "number"),
            num(plan.measured_roi, "number"),
            "",
        ],
    ]
    paragraphs = _lines(narrative.get("summary")) + [
        note_phrase(n, language, **facts.note_values()) for n in facts.notes
    ]
    if facts.overlapping_campaigns:
        paragraphs.append(
            pick(language, "期间活动：", "Campaigns in the period: ") + ", ".join(facts.overlapping_campaigns)
        )
    return Part(
        heading=pick(language, "摘要：计划 vs 实际", "Summary: plan vs actual"),
        sheet=pick(language, "摘要", "Summary"),
        paragraphs=paragraphs,
        table=Table(
            columns=[
                Column(label=pick(language, "项目", "Item")),
                Column(label=pick(language, "计划/目标", "Plan / target"), kind="number"),
                Column(label=pick(language, "记录值", "Recorded"), kind="number"),
                Column(label=pick(language, "前后对比（数据）", "Before/after (data)"), kind="number"),
                Column(label=pick(language, "结论", "Verdict")),
            ],
            rows=rows,
        ),
    )


def _usage_text(usage: float | None, language: str) -> str:
    if usage is None:
        return ""
    return pick(language, f"使用率 {usage:.1%}", f"{usage:.1%} used")


def _metrics(facts: RetroFacts, language: str) -> Part:
    rows: list[list[Cell]] = []
    for m in facts.metrics:
        kind = metric_kind(m.metric)
        rows.append(
            [
                metric_label(m.metric, language),
                num(m.before, kind),
                num(m.during, kind),
                num(m.change, kind),
                m.lift,
            ]
        )
    return Part(
        heading=pick(language, "活动期 vs 前期（同长度）", "Period vs pre-period (same length)"),
        sheet=pick(language, "指标对比", "Metrics"),
        table=Table(
            columns=[
                Column(label=pick(language, "指标", "Metric")),
                Column(label=pick(language, "前期", "Before"), kind="number"),
                Column(label=pick(language, "活动期", "During"), kind="number"),
                Column(label=pick(language, "变化", "Change"), kind="number"),
                Column(label=pick(language, "提升", "Lift"), kind="percent"),
            ],
            rows=rows,
        ),
    )


def _drivers(facts: RetroFacts, language: str) -> Part:
    rows: list[list[Cell]] = [
        [d.dimension, d.value, d.revenue_before, d.revenue_during, d.change, d.share]
        for values in facts.drivers.values()
        for d in values
    ]
    return Part(
        heading=pick(language, "驱动因素（收入变化贡献）", "Drivers (share of the revenue change)"),
        sheet=pick(language, "驱动因素", "Drivers"),
        paragraphs=[
            pick(
                language,
                "每个维度内各值的贡献占比合计为100%。",
                "Shares add up to 100% within each dimension.",
            )
        ],
        table=Table(
            columns=[
                Column(label=pick(language, "维度", "Dimension")),
                Column(label=pick(language, "值", "Value")),
                Column(label=pick(language, "前期收入", "Revenue before"), kind="money"),
                Column(label=pick(language, "活动期收入", "Revenue during"), kind="money"),
                Column(label=pick(language, "收入变化", "Change"), kind="money"),
                Column(label=pick(language, "贡献占比", "Share"), kind="percent"),
            ],
            rows=rows,
        ),
    )


def _roi(ranks: list[RoiRank], heading: str, sheet: str, language: str) -> Part:
    rows: list[list[Cell]] = [[r.rank, r.value, r.cost, r.revenue_change, r.roi] for r in ranks]
    return Part(
        heading=heading,
        sheet=sheet,
        paragraphs=[
            pick(
                language,
                "ROI = 收入变化 ÷ 分摊成本（内容按配比、资源位按单价×使用量分摊预算）。",
                "ROI = revenue change ÷ attributed cost (budget split by content mix, and over positions"
                " by cost per 10k × usage).",
            )
        ],
        table=Table(
            columns=[
                Column(label=pick(language, "排名", "Rank"), kind="int"),
                Column(label=pick(language, "名称", "Name")),
                Column(label=pick(language, "分摊成本", "Attributed cost"), kind="money"),
                Column(label=pick(language, "收入变化", "Revenue change"), kind="money"),
                Column(label="ROI", kind="number"),
            ],
            rows=rows,
        ),
    )


SHORTFALL_KINDS: dict[str, ColumnKind] = {
    "arpu_target_missed": "percent",
    "roi_below_one": "number",
    "budget_overrun": "money",
    "budget_underused": "money",
    "driver_declined": "money",
    "low_roi_position": "number",
    "low_roi_content": "number",
}


def _shortfall_kind(item: Shortfall) -> ColumnKind:
    return (
        metric_kind(item.subject)
        if item.code == "metric_declined"
        else SHORTFALL_KINDS.get(item.code, "number")
    )


def _shortfalls(shortfalls: list[Shortfall], language: str) -> Part:
    rows: list[list[Cell]] = [
        [
            shortfall_phrase(s.code, language),
            metric_label(s.subject, language),
            num(s.actual, _shortfall_kind(s)),
            num(s.reference, _shortfall_kind(s)),
            s.code,
        ]
        for s in shortfalls
    ]
    return Part(
        heading=pick(language, "未达预期", "What underperformed"),
        sheet=pick(language, "未达预期", "Underperformed"),
        paragraphs=[] if shortfalls else [pick(language, "无明显短板。", "Nothing underperformed.")],
        table=Table(
            columns=[
                Column(label=pick(language, "问题", "Issue")),
                Column(label=pick(language, "对象", "Subject")),
                Column(label=pick(language, "实际", "Actual"), kind="number"),
                Column(label=pick(language, "参照", "Reference"), kind="number"),
                Column(label=pick(language, "代码", "Code")),
            ],
            rows=rows,
        ),
    )


def _improvements(facts: RetroFacts, narrative: Narrative, language: str) -> Part:
    bullets = _lines(narrative.get("improvements")) or [
        check_phrase(item.code, item.subject, language) for item in facts.template.checklist
    ]
    return bullet_part(
        pick(language, "改进点", "Improvements"), pick(language, "改进点", "Improvements"), bullets, language
    )


def _advice(facts: RetroFacts, narrative: Narrative, language: str) -> Part:
    bullets = _lines(narrative.get("next_time"))
    if not bullets:
        for ranks, zh, en in (
            (
                facts.roi_by_position,
                "优先使用资源位「{v}」（ROI {r:.2f}）",
                "Prefer position '{v}' (ROI {r:.2f})",
            ),
            (
                facts.roi_by_content,
                "优先投放内容「{v}」（ROI {r:.2f}）",
                "Prefer content '{v}' (ROI {r:.2f})",
            ),
        ):
            if ranks and ranks[0].roi > 0:
                bullets.append(pick(language, zh, en).format(v=ranks[0].value, r=ranks[0].roi))
    return bullet_part(
        pick(language, "下次建议", "Next time"), pick(language, "下次建议", "Next time"), bullets, language
    )


def _extra_parts(narrative: Narrative) -> list[Part]:
    return [
        Part(heading=key, sheet=key[:31], bullets=_lines(value))
        for key, value in narrative.items()
        if key not in KNOWN_KEYS
    ]


def _daily(facts: RetroFacts, language: str) -> Part:
    phase = {"before": pick(language, "前期", "before"), "during": pick(language, "活动期", "during")}
    expected = {day: value for day, _, value in (facts.counterfactual.daily if facts.counterfactual else [])}
    rows: list[list[Cell]] = [
        [p.date, phase[p.phase], p.dau, p.revenue, p.arpu, expected.get(p.date), p.conversion]
        for p in facts.daily
    ]
    return Part(
        heading=pick(language, "每日趋势", "Daily trend"),
        sheet=pick(language, "每日趋势", "Daily"),
        table=Table(
            columns=[
                Column(label=pick(language, "日期", "Date"), kind="date"),
                Column(label=pick(language, "阶段", "Phase")),
                Column(label="DAU", kind="int"),
                Column(label=pick(language, "收入", "Revenue"), kind="money"),
                Column(label=pick(language, "边现", "ARPU"), kind="number"),
                Column(label=pick(language, "边现（反事实）", "ARPU (counterfactual)"), kind="number"),
                Column(label=pick(language, "转化率", "Conversion"), kind="percent"),
            ],
            rows=rows,
        ),
    )
