"""``/strategy 提升家庭向会员收入 [预算50万]``: the full recommendation and its execution template.

Numbers come from :func:`core.planning.recommend_strategy`; the rationale (why this segment, content,
positions and discount) from the AI section ``strategy_rationale`` (offline:
:func:`core.narrators.strategy.narrate_strategy`). The execution template (D1/D3/D5/D7 milestones, owners
to fill, KPIs with targets from the forecast) is attached as Markdown and .xlsx.

An optional ``预算50万`` / ``budget 500k`` in the text fixes the budget; otherwise the planner takes the
segment's median daily past budget × the horizon.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.ai.sections import StrategyRationale
from core.cube import DATE, MEASURES, metric_values
from core.documents.execution_template import execution_template
from core.documents.filenames import Format
from core.documents.models import ExecutionTemplateInput, KpiTarget, MixPart, TimeWindow
from core.narrators.feasibility import node_label
from core.narrators.planning_format import count, interval, money, pct, ratio
from core.narrators.strategy import WEEKDAYS, narrate_strategy
from core.planning import PlanningInputError, StrategyFacts, parse_goal, recommend_strategy
from core.planning.budget_parse import BUDGET, MULTIPLIERS
from core.planning.facts import Estimate
from core.planning.labels import label
from core.planning.segment_match import column_holding
from handlers.card import Card, CardField, CardSection, CardTable
from handlers.context import HandlerContext
from handlers.downloads import offer_download
from handlers.planning_inputs import planning_frames, usage_error

BASELINE_DAYS = 28
EXAMPLE = "/mo-strategy 提升家庭向会员收入"
TEMPLATE_FORMATS: tuple[tuple[Format, str, str], ...] = (
    ("markdown", "Markdown", "Markdown"),
    ("xlsx", "Excel", "Excel"),
)
INSTRUCTIONS = (
    "You explain a recommended membership-operations campaign for a video-streaming service. FACTS hold "
    "the chosen target segments with their reasons, the content mix, timing, discount, the budget split "
    "over resource positions (never above capacity), the KPI forecast learned from similar past campaigns "
    "(with an interval and a confidence) and the plan's risks. Explain why this segment, this content, "
    "these positions and this discount, citing the facts, and list the main risks."
)


def split_budget(text: str) -> tuple[str, float | None]:
    """The goal text without a ``预算50万`` / ``budget 500k`` part, and that budget in 元 (None if absent)."""
    match = BUDGET.search(text or "")
    if match is None:
        return text, None
    budget = float(match["value"]) * MULTIPLIERS[(match["unit"] or "").lower()]
    return (text[: match.start()] + " " + text[match.end() :]).strip(), budget


def handle_strategy(args: str, context: HandlerContext) -> Card:
    frames = planning_frames(context, need_resources=True)
    goal_text, budget = split_budget(args)
    try:
        spec = parse_goal(goal_text, require_target=False, language=context.language)
        facts = recommend_strategy(
            spec, frames.cube, frames.segments, frames.campaigns, frames.resources, budget
        )
    except PlanningInputError as error:
        raise usage_error(error, context.language, EXAMPLE) from error
    result = context.narrate(
        "strategy_rationale",
        facts,
        StrategyRationale,
        narrate_strategy,
        INSTRUCTIONS,
        user_text=args,
    )
    card = strategy_card(facts, result.value, context)
    today = context.reference_day()
    template = execution_template_input(
        facts, kpi_baselines(frames.cube, frames.segments, facts, today), today
    )
    attach_templates(card, template, context)
    card.add_note(result.notice)
    return card


def kpi_baselines(
    cube: pd.DataFrame, segments: pd.DataFrame, facts: StrategyFacts, today: dt.date
) -> dict[str, float]:
    """Daily DAU and revenue, 边现 and conversion of the chosen segments over the last 28 days."""
    column = column_holding(cube, segments["segment"])
    rows = cube if column is None else cube[cube[column].isin([s.segment for s in facts.segments])]
    rows = rows[rows[DATE] <= pd.Timestamp(today)]
    rows = rows[rows[DATE] > rows[DATE].max() - pd.Timedelta(days=BASELINE_DAYS)]
    days = max(rows[DATE].nunique(), 1)
    sums = rows[list(MEASURES)].sum()
    return {
        "dau": float(sums["dau"]) / days,
        "revenue": float(sums["revenue"]) / days,
        "arpu": float(metric_values(sums, "arpu")),
        "conversion": float(metric_values(sums, "conversion")),
    }


def execution_template_input(
    facts: StrategyFacts, baselines: dict[str, float], start: dt.date
) -> ExecutionTemplateInput:
    """The plan as template fields; KPI targets = baseline × (1 + forecast lift), ROI = its forecast."""
    targets: list[KpiTarget] = []
    kpi = facts.kpi
    lifts: dict[str, float | None] = {"dau": None, "conversion": None, "arpu": None, "revenue": None}
    if kpi is not None:
        lifts["arpu"], lifts["revenue"] = kpi.arpu_lift.point, kpi.revenue_lift.point
        lifts["dau"] = (1 + kpi.revenue_lift.point) / (1 + kpi.arpu_lift.point) - 1  # revenue = DAU × 边现
    for metric in ("arpu", "revenue", "dau", "conversion"):
        baseline, lift = baselines.get(metric), lifts[metric]
        target = baseline * (1 + lift) if baseline is not None and lift is not None else None
        targets.append(KpiTarget(metric=metric, baseline=baseline, target_lift=lift, target_value=target))
    if kpi is not None:
        targets.append(KpiTarget(metric="roi", target_value=kpi.roi.point))
    primary = facts.segments[0].segment if facts.segments else None
    return ExecutionTemplateInput(
        title=f"{primary or ''} {facts.content.text}".strip(),
        segment=primary,
        content_mix=[MixPart(name=name, share=share) for name, share in facts.content.mix.items()],
        positions=[p.position for p in facts.positions],
        time_windows=[TimeWindow(start=start, end=start + dt.timedelta(days=facts.horizon_days - 1))],
        duration_days=facts.horizon_days,
        discount=facts.discount.discount,
        budget=facts.budget,
        kpi_targets=targets,
        based_on=facts.neighbours[0].campaign_id if facts.neighbours else None,
        prepared_on=start,
    )


def attach_templates(card: Card, template: ExecutionTemplateInput, context: HandlerContext) -> None:
    """Render the template as Markdown and .xlsx, store both, add an attachment and a button for each."""
    for fmt, zh, en in TEMPLATE_FORMATS:
        offer_download(
            card,
            context.engine,
            execution_template(template, language=context.language, fmt=fmt),
            button=context.t(f"下载执行模板（{zh}）", f"Download execution template ({en})"),
            style="primary" if fmt == "markdown" else None,
        )


def strategy_card(facts: StrategyFacts, rationale: StrategyRationale, context: HandlerContext) -> Card:
    t, spec = context.t, facts.spec
    scope = spec.segment_filter or t("全部人群", "all segments")
    metric = node_label(spec.metric, context.language)
    goal = f"{pct(spec.target_lift)} " if spec.target_lift is not None else ""
    sections = [
        _segment_section(facts, rationale, context),
        CardSection(
            title=t("内容配比", "Content mix"),
            fields=[CardField(label=t("配比", "Mix"), value=facts.content.text or "—")],
            text=rationale.content_reason,
        ),
        _positions_section(facts, rationale, context),
        CardSection(
            title=t("优惠", "Discount"),
            fields=[
                CardField(label=t("优惠", "Discount"), value=facts.discount.discount),
                CardField(
                    label=t("价格敏感度", "Price sensitivity"), value=facts.discount.price_sensitivity or "—"
                ),
            ],
            text=rationale.discount_reason,
        ),
        _kpi_section(facts, context),
    ]
    if rationale.risks:
        sections.append(CardSection(title=t("风险", "Risks"), bullets=list(rationale.risks)))
    return Card(
        title=t(
            f"运营策略：{scope} {metric} {goal}/ {facts.horizon_days}天",
            f"Strategy: {metric} {goal}in {facts.horizon_days} days ({scope})",
        ),
        subtitle=t(f"目标：{spec.raw}", f"Goal: {spec.raw}"),
        sections=sections,
        tables=[_positions_table(facts, context), *_neighbours_table(facts, context)],
        context=[
            t(
                "执行模板含 D1/D3/D5/D7 里程碑、负责人栏与 KPI 目标",
                "The execution template has D1/D3/D5/D7 milestones, owner columns and KPI targets",
            )
        ],
        language=context.language,
    )


def _segment_section(
    facts: StrategyFacts, rationale: StrategyRationale, context: HandlerContext
) -> CardSection:
    t = context.t
    bullets = [
        t(
            f"{s.segment}：规模 {count(s.size)}，历史转化率 {pct(s.historical_cvr, signed=False, digits=2)}，"
            f"价格敏感度 {s.price_sensitivity or '—'}，得分 {ratio(s.score)}",
            f"{s.segment}: size {count(s.size)}, historical conversion "
            f"{pct(s.historical_cvr, signed=False, digits=2)}, price sensitivity {s.price_sensitivity or '—'}, "
            f"score {ratio(s.score)}",
        )
        for s in facts.segments
    ]
    return CardSection(title=t("目标人群", "Target segments"), bullets=bullets, text=rationale.segment_reason)


def _positions_section(
    facts: StrategyFacts, rationale: StrategyRationale, context: HandlerContext
) -> CardSection:
    t, language = context.t, context.language
    source = t("指定", "given") if facts.budget_source == "given" else t("历史中位", "past median")
    windows = ("、" if language == "zh" else ", ").join(
        f"{label(w.code, language)}（{ratio(w.index)}）"
        if language == "zh"
        else f"{label(w.code, language)} ({ratio(w.index)})"
        for w in facts.timing.windows
    )
    days = ("、" if language == "zh" else ", ").join(
        WEEKDAYS[language][d] for d in facts.timing.best_weekdays
    )
    return CardSection(
        title=t("资源位、时间与预算", "Positions, timing and budget"),
        fields=[
            CardField(
                label=t("总预算", "Budget"),
                value=f"{money(facts.budget)}（{source}）"
                if language == "zh"
                else f"{money(facts.budget)} ({source})",
            ),
            CardField(
                label=t("周期", "Horizon"), value=t(f"{facts.horizon_days} 天", f"{facts.horizon_days} days")
            ),
            CardField(label=t("时间窗口（DAU 指数）", "Time windows (DAU index)"), value=windows or "—"),
            CardField(label=t("最佳投放日", "Best days"), value=days or "—"),
        ],
        text=rationale.position_reason,
    )


def _positions_table(facts: StrategyFacts, context: HandlerContext) -> CardTable:
    t = context.t
    rows = [
        [
            p.position,
            money(p.budget),
            pct(p.budget_share, signed=False),
            ratio(p.usage),
            ratio(p.max_capacity),
            pct(p.capacity_used, signed=False),
            label(p.warning, context.language) if p.warning else "",
        ]
        for p in sorted(facts.positions, key=lambda p: -p.budget)
    ]
    return CardTable(
        title=t("资源位与预算分配（不超过容量）", "Positions and budget split (within capacity)"),
        columns=[
            t("资源位", "Position"),
            t("预算", "Budget"),
            t("占比", "Share"),
            t("占用", "Usage"),
            t("容量上限", "Capacity"),
            t("容量使用", "Capacity used"),
            t("提示", "Note"),
        ],
        rows=rows,
    )


def _kpi_section(facts: StrategyFacts, context: HandlerContext) -> CardSection:
    t, kpi = context.t, facts.kpi
    title = t("KPI 预测", "KPI forecast")
    if kpi is None:
        return CardSection(
            title=title,
            text=t(
                "没有足够相似的历史活动，无法预测 KPI；建议先小范围测试。",
                "No similar past campaigns: no KPI forecast. Run a small test first.",
            ),
        )
    level = pct(kpi.roi.level, signed=False, digits=0)

    def lift(estimate: Estimate) -> str:
        return f"{pct(estimate.point)}（{level}：{interval(estimate.lower, estimate.upper)}）" if context.language == "zh" else (
            f"{pct(estimate.point)} ({level}: {interval(estimate.lower, estimate.upper)})"
        )  # fmt: skip

    roi = (
        f"{ratio(kpi.roi.point)}（{level}：{interval(kpi.roi.lower, kpi.roi.upper, 'ratio')}）"
        if context.language == "zh"
        else f"{ratio(kpi.roi.point)} ({level}: {interval(kpi.roi.lower, kpi.roi.upper, 'ratio')})"
    )
    return CardSection(
        title=title,
        fields=[
            CardField(label=t("边现提升", "ARPU (边现) lift"), value=lift(kpi.arpu_lift)),
            CardField(label=t("收入提升", "Revenue lift"), value=lift(kpi.revenue_lift)),
            CardField(label="ROI", value=roi),
            CardField(label=t("置信度", "Confidence"), value=pct(kpi.confidence, signed=False)),
            CardField(
                label=t("依据", "Based on"),
                value=t(
                    f"{kpi.n_neighbours} 个相似活动，平均相似度 {pct(kpi.mean_similarity, signed=False)}",
                    f"{kpi.n_neighbours} similar campaigns, mean similarity {pct(kpi.mean_similarity, signed=False)}",
                ),
            ),
        ],
    )


def _neighbours_table(facts: StrategyFacts, context: HandlerContext) -> list[CardTable]:
    if not facts.neighbours:
        return []
    t = context.t
    return [
        CardTable(
            title=t("参考的历史活动", "Past campaigns learned from"),
            columns=[
                "ID",
                t("名称", "Name"),
                t("相似度", "Similarity"),
                "ROI",
                t("边现提升", "ARPU lift"),
                t("收入提升", "Revenue lift"),
            ],
            rows=[
                [
                    n.campaign_id,
                    n.name or "",
                    pct(n.similarity, signed=False),
                    ratio(n.roi),
                    pct(n.arpu_lift),
                    pct(n.revenue_lift),
                ]
                for n in facts.neighbours
            ],
        )
    ]
