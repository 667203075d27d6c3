"""``/goal 提升家庭向收入15% 30天``: feasibility, forecast with its band, past lifts and the goal tree.

The numbers come from :func:`core.planning.assess_goal`; the feasibility text (reason, risks, advice)
from the AI section ``feasibility`` (offline: :func:`core.narrators.feasibility.narrate_feasibility`).
The difficulty stars always show the computed level, whatever a model writes.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.ai.sections import Feasibility
from core.cube import DATE, daily_totals
from core.narrators.feasibility import FeasibilityFacts, feasibility_facts, narrate_feasibility, node_label
from core.narrators.planning_format import metric_value, pct, stars
from core.planning import (
    GOAL_HISTORY_DAYS,
    GoalAssessment,
    GoalSpec,
    PlanningInputError,
    assess_goal,
    parse_goal,
)
from core.planning.forecast import ShortHistoryError
from core.planning.goal_assess import goal_scope
from core.planning.goal_models import DecompositionNode
from handlers.card import Card, CardField, CardSection, CardTable, Chart, ChartSeries
from handlers.context import HandlerContext
from handlers.errors import ShortHistoryUsageError, UsageError
from handlers.planning_inputs import PlanningFrames, planning_frames, usage_error

HISTORY_DAYS_SHOWN = 28
INSTRUCTIONS = (
    "You assess how feasible a membership-operations goal is for a video-streaming service. FACTS hold the "
    "goal, its baseline, a forecast without action, the lifts past campaigns achieved, the computed "
    "difficulty (1-5) with its band and the risks. Explain the difficulty in 'reason' (why this level), "
    "list the main risks and give concrete, actionable advice (segments, levers, horizon). Set "
    "'difficulty' to FACTS.difficulty.level."
)


def handle_goal(args: str, context: HandlerContext) -> Card:
    frames = planning_frames(context, history_days=GOAL_HISTORY_DAYS)
    today = context.reference_day()
    try:
        spec = parse_goal(args, language=context.language)
        assessment = assess_goal(
            spec, frames.cube, frames.segments, frames.campaigns, today, calendar=context.calendar
        )
    except PlanningInputError as error:
        raise usage_error(error, context.language) from error
    except ShortHistoryError as error:
        raise ShortHistoryUsageError(
            error.days, error.needed, today, "/mo-goal 提升家庭向收入15% 30天"
        ) from error
    except ValueError as error:  # no data on or before today for the goal's segments
        raise UsageError(
            "这个目标覆盖的人群在参考日前没有数据。",
            "The goal's segments have no data before the reference day.",
            "/mo-goal 提升家庭向收入15% 30天",
        ) from error
    facts = feasibility_facts(assessment, context.language)
    result = context.narrate(
        "feasibility",
        facts,
        Feasibility,
        narrate_feasibility,
        INSTRUCTIONS,
        user_text=args,
    )
    card = goal_card(assessment, facts, result.value, context, history=_history(spec, frames, today))
    card.add_note(result.notice)
    return card


def _history(spec: GoalSpec, frames: PlanningFrames, today: dt.date) -> pd.DataFrame:
    """The goal metric's daily values over the last days before ``today`` (for the chart)."""
    _, _, scoped = goal_scope(spec, frames.cube, frames.segments)
    daily = daily_totals(scoped[scoped[DATE] <= pd.Timestamp(today)])
    return daily[[DATE, spec.metric]].tail(HISTORY_DAYS_SHOWN)


def goal_card(
    assessment: GoalAssessment,
    facts: FeasibilityFacts,
    feasibility: Feasibility,
    context: HandlerContext,
    history: pd.DataFrame | None = None,
) -> Card:
    t = context.t
    spec = assessment.spec
    scope = spec.segment_filter or t("整体", "overall")
    title = t(
        f"目标评估：{scope}{facts.metric_label} {pct(spec.target_lift)} / {spec.horizon_days}天",
        f"Goal: {facts.metric_label} {pct(spec.target_lift)} in {spec.horizon_days} days ({scope})",
    )
    window = f"{assessment.window_start.isoformat()} ~ {assessment.window_end.isoformat()}"
    sections = [
        CardSection(
            title=t("可行性", "Feasibility"),
            fields=[CardField(label=t("难度", "Difficulty"), value=stars(assessment.difficulty.level))],
            text=feasibility.reason,
        ),
    ]
    if feasibility.risks:
        sections.append(CardSection(title=t("风险", "Risks"), bullets=list(feasibility.risks)))
    sections.append(CardSection(title=t("建议", "Advice"), bullets=list(feasibility.advice)))
    sections += [_baseline_section(assessment, facts, context), _forecast_section(assessment, context)]
    sections.append(_history_section(assessment, context))
    return Card(
        title=title,
        subtitle=t(f"基线窗口 {window}（日均）", f"Baseline window {window} (daily)"),
        sections=sections,
        tables=decomposition_tables(assessment.decomposition, spec.metric, scope, context),
        chart=forecast_chart(assessment, facts, context, history),
        context=[
            t(
                f"数据截至 {assessment.window_end.isoformat()}",
                f"Data up to {assessment.window_end.isoformat()}",
            ),
            t(
                f"覆盖人群：{'、'.join(assessment.segments)}",
                f"Segments covered: {', '.join(assessment.segments)}",
            ),
        ],
        language=context.language,
    )


def _baseline_section(
    assessment: GoalAssessment, facts: FeasibilityFacts, context: HandlerContext
) -> CardSection:
    t, metric, d = context.t, assessment.spec.metric, assessment.difficulty
    return CardSection(
        title=t("基线与目标", "Baseline and target"),
        fields=[
            CardField(
                label=t("基线（日均）", "Baseline (daily)"), value=metric_value(metric, assessment.baseline)
            ),
            CardField(label=t("目标值", "Target"), value=metric_value(metric, assessment.target_value)),
            CardField(label=t("目标提升", "Target lift"), value=pct(d.target_lift)),
            CardField(
                label=t("自然变化（不做活动）", "Natural change (no action)"), value=pct(d.natural_lift)
            ),
            CardField(label=t("活动需额外带来", "A campaign must add"), value=pct(d.needed_lift)),
        ],
    )


def _forecast_section(assessment: GoalAssessment, context: HandlerContext) -> CardSection:
    t, metric, forecast = context.t, assessment.spec.metric, assessment.forecast
    level = pct(forecast.level, signed=False, digits=0)
    band = f"{metric_value(metric, forecast.mean_lower)} ~ {metric_value(metric, forecast.mean_upper)}"
    first, last = forecast.points[0].date.isoformat(), forecast.points[-1].date.isoformat()
    return CardSection(
        title=t(f"预测（{first} ~ {last}，不做活动）", f"Forecast ({first} ~ {last}, no action)"),
        fields=[
            CardField(label=t("日均预测", "Daily mean"), value=metric_value(metric, forecast.mean)),
            CardField(label=t(f"{level} 区间", f"{level} interval"), value=band),
            CardField(
                label=t("近期日均", "Recent daily mean"), value=metric_value(metric, forecast.recent_mean)
            ),
        ],
    )


def _history_section(assessment: GoalAssessment, context: HandlerContext) -> CardSection:
    t, history = context.t, assessment.history
    title = t("历史同类活动提升", "Lifts of past campaigns")
    if not history.n:
        return CardSection(title=title, text=t("没有可比的历史活动。", "No comparable past campaigns."))
    scope = {
        "segment": t("本人群", "these segments"),
        "all": t("全部人群", "all segments"),
    }.get(history.scope, history.scope)
    best = f"{pct(history.best)}（{history.best_campaign_id}）" if context.language == "zh" else (
        f"{pct(history.best)} ({history.best_campaign_id})"
    )  # fmt: skip
    return CardSection(
        title=title,
        fields=[
            CardField(
                label=t("样本", "Sample"),
                value=t(f"{history.n} 个活动（{scope}）", f"{history.n} campaigns ({scope})"),
            ),
            CardField(label=t("中位", "Median"), value=pct(history.median)),
            CardField(label="P75", value=pct(history.p75)),
            CardField(label="P90", value=pct(history.p90)),
            CardField(label=t("最佳", "Best"), value=best),
        ],
    )


def _node_row(node: DecompositionNode, name: str, share: bool = False) -> list[str]:
    row = [
        name,
        metric_value(node.metric, node.current),
        metric_value(node.metric, node.required),
        pct(node.required_lift),
    ]
    return [*row, pct(node.share, signed=False)] if share else row


def decomposition_tables(
    tree: DecompositionNode, metric: str, scope: str, context: HandlerContext
) -> list[CardTable]:
    """The goal tree: the metric and its product factors, then one row per segment (the sum)."""
    t, language = context.t, context.language
    total = node_label(metric, language)
    current, required, lift = (
        t("当前", "Current"),
        t("所需（单独承担）", "Needed (alone)"),
        t("所需提升", "Lift"),
    )
    tables = []
    if tree.children:
        formula = f"{total} = " + " × ".join(node_label(c.name, language) for c in tree.children)
        rows = [_node_row(tree, f"{total}（{scope}）" if language == "zh" else f"{total} ({scope})")]
        rows += [_node_row(child, f"  × {node_label(child.name, language)}") for child in tree.children]
        tables.append(
            CardTable(
                title=t(f"目标拆解：{formula}", f"Goal tree: {formula}"),
                columns=[t("节点", "Node"), current, required, lift],
                rows=rows,
            )
        )
    if tree.segments:
        basis = t("占比", "Share") if tree.segments_relation == "sum" else t("占比（DAU）", "Share (DAU)")
        rows = [_node_row(segment, segment.name, share=True) for segment in tree.segments]
        tables.append(
            CardTable(
                title=t(f"按人群拆解：{total}", f"By segment: {total}"),
                columns=[t("人群", "Segment"), current, required, lift, basis],
                rows=rows,
            )
        )
    return tables


def forecast_chart(
    assessment: GoalAssessment, facts: FeasibilityFacts, context: HandlerContext, history: pd.DataFrame | None
) -> Chart:
    """Recent actual values, then the forecast with its band, on one date axis (None where a series has no
    value, so a renderer draws them side by side)."""
    t, metric = context.t, assessment.spec.metric
    points = assessment.forecast.points
    past = history if history is not None else pd.DataFrame({DATE: [], metric: []})
    past_x = [pd.Timestamp(d).date().isoformat() for d in past[DATE]]
    x = past_x + [p.date.isoformat() for p in points]
    padding: list[float | None] = [None] * len(past_x)
    actual: list[float | None] = [float(v) for v in past[metric]] + [None] * len(points)
    series = [
        ChartSeries(name=t("实际", "Actual"), x=x, y=actual),
        ChartSeries(
            name=t("预测", "Forecast"),
            x=x,
            y=padding + [p.value for p in points],
            lower=padding + [p.lower for p in points],
            upper=padding + [p.upper for p in points],
        ),
    ]
    level = pct(assessment.forecast.level, signed=False, digits=0)
    return Chart(
        kind="forecast",
        title=t(
            f"{facts.metric_label}预测（{level} 区间）", f"{facts.metric_label} forecast ({level} interval)"
        ),
        series=series,
        y_label=facts.metric_label,
    )


__all__ = ["decomposition_tables", "forecast_chart", "goal_card", "handle_goal"]
