"""``/goal``: the baseline, forecast, historical evidence, difficulty, risks and tree of one goal."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import DATE, daily_totals
from core.planning.campaigns import prepare_campaigns
from core.planning.decomposition import decompose
from core.planning.difficulty import rate_difficulty
from core.planning.errors import GoalParseError, text_language
from core.planning.facts import Fact
from core.planning.forecast import forecast_metric
from core.planning.goal_models import Forecast, GoalAssessment, GoalSpec, LiftDistribution
from core.planning.goal_parse import parse_goal
from core.planning.history_lifts import MIN_CAMPAIGNS, campaign_lifts, lift_distribution
from core.planning.segment_match import column_holding, match_segments

BASELINE_DAYS = 28
NEGATIVE_TREND = -0.01
WIDE_INTERVAL = 0.2  # forecast interval width / forecast mean
MIN_HISTORY_DAYS = 28


def goal_scope(
    spec: GoalSpec, cube: pd.DataFrame, segments: pd.DataFrame, language: str = "zh"
) -> tuple[str | None, list[str], pd.DataFrame]:
    """The segment column, the goal's segment names and the cube rows they cover.

    Raises :class:`GoalParseError` (``unknown_segment``) when a keyword matches no segment.
    """
    column = column_holding(cube, segments["segment"])
    names = match_segments(spec.segment_filter, segments)
    if not names:
        known = "、".join(segments["segment"].astype(str))
        raise GoalParseError("unknown_segment", language, keyword=spec.segment_filter, known=known)
    if column is None or spec.segment_filter is None:
        return column, names, cube
    return column, names, cube[cube[column].isin(names)]


def assess_goal(
    spec: GoalSpec | str,
    cube: pd.DataFrame,
    segments: pd.DataFrame,
    campaigns: pd.DataFrame,
    today: dt.date | pd.Timestamp,
    calendar: ChineseCalendar | None = None,
) -> GoalAssessment:
    """Assess a goal against data up to ``today`` (inclusive). See the module docs of each step.
    ``calendar``: the team's (its holiday file), for the forecast's holidays and 调休 days."""
    if isinstance(spec, str):
        spec = parse_goal(spec)
    if spec.target_lift is None:
        raise GoalParseError("no_target", text_language(spec.raw))
    column, names, scoped = goal_scope(spec, cube, segments, text_language(spec.raw))
    scoped = scoped[scoped[DATE] <= pd.Timestamp(today)]
    if scoped.empty:
        raise ValueError("no cube data on or before today for this goal")

    end = scoped[DATE].max()
    start = end - pd.Timedelta(days=BASELINE_DAYS - 1)
    window = scoped[scoped[DATE] >= start]
    prior = scoped[(scoped[DATE] < start) & (scoped[DATE] >= start - pd.Timedelta(days=BASELINE_DAYS))]
    days = window[DATE].nunique()
    tree = decompose(
        window, spec.metric, spec.target_lift, column, days, prior, prior[DATE].nunique() or None
    )

    daily = daily_totals(scoped)
    forecast = forecast_metric(daily, spec.metric, spec.horizon_days, calendar=calendar)
    history_frame = prepare_campaigns(campaigns)
    history = lift_distribution(history_frame, spec.metric, names)
    lifts, _ = campaign_lifts(history_frame, spec.metric)
    past = lifts[history_frame["campaign_id"].isin(history.campaign_ids)].to_numpy(float)
    difficulty = rate_difficulty(spec.target_lift, forecast.natural_lift, history, past)
    durations = history_frame.loc[history_frame["campaign_id"].isin(history.campaign_ids), "duration_days"]
    risks = goal_risks(spec, forecast, history, difficulty.needed_lift, durations)
    return GoalAssessment(
        spec=spec,
        segments=names,
        segment_column=column,
        window_start=start.date(),
        window_end=end.date(),
        baseline=tree.current,
        target_value=tree.current * (1 + spec.target_lift),
        forecast=forecast,
        history=history,
        difficulty=difficulty,
        risks=risks,
        decomposition=tree,
    )


def goal_risks(
    spec: GoalSpec, forecast: Forecast, history: LiftDistribution, needed: float, durations: pd.Series
) -> list[Fact]:
    """Risk facts: thin or borrowed evidence, a falling trend, a target beyond the best campaign, a wide
    forecast band, a horizon shorter than campaigns usually run, a short history."""
    risks = []
    if history.n < MIN_CAMPAIGNS:
        risks.append(Fact(code="few_past_campaigns", value=history.n, threshold=MIN_CAMPAIGNS))
    elif history.scope == "all":
        risks.append(Fact(code="history_from_other_segments", value=history.n))
    if forecast.natural_lift < NEGATIVE_TREND:
        risks.append(Fact(code="negative_trend", value=forecast.natural_lift, threshold=NEGATIVE_TREND))
    if history.best is not None and needed > history.best:
        risks.append(
            Fact(
                code="target_above_best_campaign",
                value=needed,
                threshold=history.best,
                detail={"campaign_id": history.best_campaign_id},
            )
        )
    width = (forecast.mean_upper - forecast.mean_lower) / abs(forecast.mean) if forecast.mean else 0.0
    if width > WIDE_INTERVAL:
        risks.append(Fact(code="wide_forecast_interval", value=width, threshold=WIDE_INTERVAL))
    if len(durations) and spec.horizon_days < durations.median():
        risks.append(
            Fact(
                code="horizon_shorter_than_campaigns",
                value=spec.horizon_days,
                threshold=float(durations.median()),
            )
        )
    if forecast.history_days < MIN_HISTORY_DAYS:
        risks.append(Fact(code="short_history", value=forecast.history_days, threshold=MIN_HISTORY_DAYS))
    if history.source.endswith("proxy"):
        risks.append(Fact(code="history_metric_proxy", detail={"source": history.source}))
    return risks
