"""Running campaigns as an explanation: a traffic surge that a campaign was designed to cause is benign.

A free-trial or discount acquisition campaign brings many non-paying users into its slice: DAU (and the
members it converts) rise there while revenue does not follow, so 边现 and conversion fall only because
their denominator grew. That signature – DAU up on the alert's scope, revenue's move at most
``1 - explain_min_denominator_share`` of DAU's – separates a campaign surge from a genuine DAU spike (where
revenue rises with DAU) and from a revenue spike (DAU flat). When it holds and a campaign running that day
targets the alert's effective cause – or the slice inside the alert's scope that carries the move (a
free trial's discount draws users from every segment, not only from the campaign's main target) – the
alert is explained ("活动 C2026xxx 进行中") instead of notified.

A campaign's planned lift explains the other way a campaign moves its slice: a rise of 边现, DAU, members or
revenue inside its audience (the ``target_*`` columns' values) while it runs, up to
``campaign_lift_tolerance`` × the record's planned 边现 lift (``target_arpu_lift``), is the campaign's effect
("活动 C2026xxx 进行中：边现 +9.6%，在活动计划的边现提升（+12.0%）范围内"), and so is the fall back within a baseline
window after its end ("已于 08-04 结束……结束后的回落"); a fall while it runs, or a larger move, still notifies.

Campaign targets are read from the data, not from fixed column names: every text cell of a campaign row
(target segment, discount, ``|``-separated resource positions, ``电影40%+动漫60%`` content mixes) is split
into tokens, and a token that is a value of a cube dimension restricts that dimension. A campaign
*targets* an effective cause when they share at least one dimension and the cause's value of every shared
dimension is among the campaign's values (the most specific match wins, then the latest start). Other
alerts of that day whose effective cause lies inside an explained one (the surge seen through a segment
or a platform) are the same incident and are explained with it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.cube import METRICS
from core.detection.config import DetectionConfig
from core.detection.engine import GridScores
from core.detection.grouping import MAIN_CAUSE_SHARE, contains, effective_cause
from core.detection.models import Alert
from core.detection.series import SeriesGrid
from core.detection.status import column_of
from core.importing.values import parse_fraction

ID_COLUMN, START_COLUMN, END_COLUMN = "campaign_id", "start_date", "end_date"
AUDIENCE_PREFIX = "target_"  # target_segment (and a team's target_* columns): the campaign's audience
PLANNED_LIFT_COLUMNS = ("target_arpu_lift", "planned_arpu_lift")  # the 边现 lift the team planned for
_TOKEN_SPLIT = re.compile(r"[|+,，;；/、\s]+")
_SHARE = re.compile(r"\d+(\.\d+)?%?$")
PLANNED_LIFT_METRICS = ("arpu", "dau", "new_members", "renew_members", "revenue")  # what a campaign raises


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    start: dt.date
    end: dt.date
    target: dict[str, frozenset[str]]  # dimension -> values the campaign addresses
    planned_lift: float | None = None  # the 边现 lift planned for its target (a fraction), if recorded
    audience: dict[str, frozenset[str]] | None = None  # from the target_* columns: whom the lift is for

    def addresses(self, cause: dict[str, str]) -> bool:
        """The cause lies inside the campaign's audience: it fixes every audience dimension to one of its
        values (a slice wider than the audience sees the planned lift diluted by the rest of it)."""
        audience = self.audience or {}
        return bool(audience) and all(cause.get(d) in values for d, values in audience.items())

    def targets(self, cause: dict[str, str]) -> bool:
        shared = [d for d in cause if d in self.target]
        return bool(shared) and all(cause[d] in self.target[d] for d in shared)


def running_campaigns(
    campaigns: pd.DataFrame | None, dimension_values: dict[str, set[str]]
) -> list[Campaign]:
    """Campaigns with a start, an end and at least one target value found among the cube's values."""
    if campaigns is None or campaigns.empty or not {START_COLUMN, END_COLUMN} <= set(campaigns.columns):
        return []
    owner = {value: dimension for dimension, values in dimension_values.items() for value in values}
    out: list[Campaign] = []
    for record in campaigns.to_dict("records"):
        start, end = _date(record.get(START_COLUMN)), _date(record.get(END_COLUMN))
        if start is None or end is None:
            continue
        target: dict[str, set[str]] = {}
        audience: dict[str, set[str]] = {}
        for column, cell in record.items():
            if column in (ID_COLUMN, START_COLUMN, END_COLUMN) or not isinstance(cell, str):
                continue
            for token in _TOKEN_SPLIT.split(cell):
                value = _SHARE.sub("", token)
                if value in owner:
                    target.setdefault(owner[value], set()).add(value)
                    if str(column).startswith(AUDIENCE_PREFIX):
                        audience.setdefault(owner[value], set()).add(value)
        if target:
            out.append(
                Campaign(
                    str(record.get(ID_COLUMN, "")),
                    start,
                    end,
                    {d: frozenset(v) for d, v in target.items()},
                    _planned_lift(record),
                    {d: frozenset(v) for d, v in audience.items()},
                )
            )
    return out


def _planned_lift(record: dict[str, object]) -> float | None:
    """The record's planned 边现 lift as a fraction (0.12, "12%" or "0.12"), None when absent or unreadable."""
    for column in PLANNED_LIFT_COLUMNS:
        try:
            return parse_fraction(record.get(column))
        except ValueError:
            continue
    return None


def _date(value: object) -> dt.date | None:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.date()


def explain_campaign_moves(
    alerts: list[Alert],
    campaigns: list[Campaign],
    grid: SeriesGrid,
    scores: GridScores,
    config: DetectionConfig,
    language: str,
) -> tuple[list[Alert], list[Alert]]:
    """Split localised alerts into (still notifying, explained by a running campaign)."""
    if not campaigns or "dau" not in grid.metrics or "revenue" not in grid.metrics:
        return alerts, []
    standing: list[Alert] = []
    explained: list[Alert] = []
    planned: list[tuple[Alert, list[Campaign]]] = []
    for alert in alerts:
        campaign = _explaining_campaign(alert, campaigns, grid, scores, config)
        if campaign is not None:
            alert.explained_by = _campaign_text(alert, campaign, grid, scores, language)
            explained.append(alert)
            continue
        lifting = _planned_lift_campaigns(alert, campaigns, grid, scores, config)
        if lifting:
            alert.explained_by = _planned_text(alert, lifting, language)
            planned.append((alert, lifting))
        else:
            standing.append(alert)
    still, explained = _fold_into_explained(standing, explained)
    still, folded = _fold_into_planned(still, planned, language)
    still, carried = _fold_into_audiences(still, campaigns, grid, scores, config, language)
    return still, explained + [alert for alert, _ in planned] + folded + carried


def _fold_into_planned(
    standing: list[Alert], planned: list[tuple[Alert, list[Campaign]]], language: str
) -> tuple[list[Alert], list[Alert]]:
    """A campaign's planned move seen through a wider slice: a standing move of the same metric (or of
    边现 beside revenue, revenue = DAU × 边现) the same way on the same day, with no slice inside its scope
    carrying it, on a scope that shares leaves with the explained alert's (the total, or a slice of another
    dimension) and no larger than the explained move – the campaign's audience inside it moved it."""
    still: list[Alert] = []
    folded: list[Alert] = []
    for alert in standing:
        leader = next(
            (
                lifting
                for p, lifting in planned
                if p.date == alert.date
                and (p.metric == alert.metric or {p.metric, alert.metric} == {"arpu", "revenue"})
                and alert.direction == p.direction
                and not _inside(alert)
                and all(p.scope.get(d, v) == v for d, v in alert.scope.items())
                and 0 < alert.pct_change / p.pct_change <= 1.0
            ),
            None,
        )
        if leader is None:
            still.append(alert)
        else:
            alert.explained_by = _planned_text(alert, leader, language)
            folded.append(alert)
    return still, folded


def _fold_into_audiences(
    standing: list[Alert],
    campaigns: list[Campaign],
    grid: SeriesGrid,
    scores: GridScores,
    config: DetectionConfig,
    language: str,
) -> tuple[list[Alert], list[Alert]]:
    """Standing rises that running campaigns' audiences carry (:func:`_audiences_carrying`): explained."""
    still: list[Alert] = []
    carried: list[Alert] = []
    for alert in standing:
        lifting = _audiences_carrying(alert, campaigns, grid, scores, config)
        if lifting:
            alert.explained_by = _carried_text(alert, lifting, language)
            carried.append(alert)
        else:
            still.append(alert)
    return still, carried


def _audiences_carrying(
    alert: Alert, campaigns: list[Campaign], grid: SeriesGrid, scores: GridScores, config: DetectionConfig
) -> list[Campaign]:
    """The running campaigns whose audiences' own rises account for a rise on a wider slice, else [].

    A campaign lifts its audience (a segment); a slice sharing leaves with it (the total, a content type,
    a platform, a position) rises by the audience's rise times the audience's share of the slice — often
    without the audience itself alerting that day (its rise stays inside its own band, the slice's band is
    narrower). So a rise of 边现, DAU, members or revenue on a slice whose effective cause does not
    contradict the audience is explained when every audience counted rose that day within its campaigns'
    planned bound (as :func:`_planned_lift_campaigns`), and the slice's rise is at most the sum over the
    audiences of their rise × min(1, the audience's size / the slice's size) — revenue for 边现, the
    measure itself otherwise — which bounds the audience's share of the slice from above. An incident on
    the slice larger than what the campaigns' audiences can carry still notifies."""
    if alert.metric not in PLANNED_LIFT_METRICS or not alert.pct_change > 0:
        return []
    column = column_of(grid, alert.date)
    if column is None or alert.scope not in grid.scopes:
        return []
    cause = effective_cause(alert)
    by_audience: dict[int, list[Campaign]] = {}
    for campaign in campaigns:
        scope = _audience_scope(campaign, grid)
        if (
            scope is not None
            and campaign.planned_lift is not None
            and campaign.planned_lift > 0
            and campaign.start <= alert.date <= campaign.end
            and all(cause.get(d, v) == v for d, v in grid.scopes[scope].items())
            and not campaign.addresses(cause)
        ):
            by_audience.setdefault(scope, []).append(campaign)
    measure = "revenue" if alert.metric == "arpu" else alert.metric
    slice_size = float(grid.measures[measure][grid.scopes.index(alert.scope), column])
    if not slice_size > 0:
        return []
    carried, lifting = 0.0, []
    for scope, group in by_audience.items():
        move = math.expm1(float(scores.log_error[grid.row(alert.metric, scope), column]))
        if not (math.isfinite(move) and 0 < move <= _planned_bound(alert.metric, group, config)):
            continue
        carried += move * min(1.0, float(grid.measures[measure][scope, column]) / slice_size)
        lifting += group
    if not lifting or alert.pct_change > carried:
        return []
    return sorted(lifting, key=lambda c: c.start)


def _audience_scope(campaign: Campaign, grid: SeriesGrid) -> int | None:
    """The grid's scope that is the campaign's audience (one dimension, one value), if there is one."""
    audience = campaign.audience or {}
    if len(audience) != 1:
        return None
    ((dimension, values),) = audience.items()
    if len(values) != 1:
        return None
    scope = {dimension: next(iter(values))}
    return grid.scopes.index(scope) if scope in grid.scopes else None


def _fold_into_explained(standing: list[Alert], explained: list[Alert]) -> tuple[list[Alert], list[Alert]]:
    """A standing alert inside an explained incident (same day, its effective cause within the explained
    alert's cause – or within its slice: a free trial brings users to every segment of the trial discount,
    not only to the campaign's main target – moving the way a campaign moves it) is that incident seen
    through another slice; so is one whose move sits in the same slice inside its scope as the explained
    alert's (the trial discount's users seen through another segment). A folded alert can lead others in
    turn (until nothing more folds)."""
    still = list(standing)
    while True:
        folded = [a for a in still if _leader(a, explained) is not None]
        if not folded:
            return still, explained
        for alert in folded:
            alert.explained_by = _leader(alert, explained).explained_by  # type: ignore[union-attr]
        explained = explained + folded
        still = [a for a in still if a.explained_by is None]


def _leader(alert: Alert, explained: list[Alert]) -> Alert | None:
    if alert.metric == "revenue" or alert.direction != _campaign_direction(alert.metric):
        return None
    cause, inside = effective_cause(alert), _inside(alert)
    return next(
        (
            e
            for e in explained
            if e.date == alert.date
            and (
                contains(effective_cause(e), cause)
                or (bool(e.scope) and contains(e.scope, cause))
                or (bool(inside) and contains(_inside(e), inside))
            )
        ),
        None,
    )


def _inside(alert: Alert) -> dict[str, str]:
    """The slice inside the alert's scope that carries most of the move (its main root cause, significant
    or not: on a campaign day, where the move sits is what ties it to the campaign)."""
    main = alert.root_causes[0] if alert.root_causes else None
    if main is None or main.share < MAIN_CAUSE_SHARE:
        return {}
    return {d: v for d, v in main.slice.items() if d not in alert.scope}


def _campaign_direction(metric: str) -> str:
    """How an acquisition campaign moves a metric: volumes up, ratios over DAU down."""
    definition = METRICS[metric]
    return "down" if definition.is_ratio and definition.denominator == ("dau",) else "up"


def _explaining_campaign(
    alert: Alert, campaigns: list[Campaign], grid: SeriesGrid, scores: GridScores, config: DetectionConfig
) -> Campaign | None:
    if alert.direction != _campaign_direction(alert.metric) or alert.metric == "revenue":
        return None
    if not _acquisition_signature(alert, grid, scores, config):
        return None
    cause, inside = effective_cause(alert), _inside(alert)
    candidates = [
        c
        for c in campaigns
        if c.start <= alert.date <= c.end and (c.targets(cause) or (inside and c.targets(inside)))
    ]
    # the most specific match first, then the campaign that started last (the likeliest trigger)
    return max(candidates, key=lambda c: (sum(d in c.target for d in cause), c.start), default=None)


def _planned_lift_campaigns(
    alert: Alert, campaigns: list[Campaign], grid: SeriesGrid, scores: GridScores, config: DetectionConfig
) -> list[Campaign]:
    """The running campaigns whose planned 边现 lift accounts for the alert's move, else [].

    A campaign planned to lift its target's 边现 does so on purpose, and brings its target more users and
    members on the way: a rise of 边现, DAU or members inside its audience (the alert's effective cause, or
    the slice carrying the move inside the alert's scope, fixes the ``target_*`` values) while it runs is
    its effect, not an incident – when the rise is at most ``campaign_lift_tolerance`` × the planned lift
    (several campaigns on one target compound; revenue = DAU × 边现 may rise by both). So is a fall of at
    most that lift in the baseline window after its end, when the series really rose while it ran
    (``_fall_undoes_a_rise``): the baseline still holds lifted days the scan did not leave out, and the
    return to the earlier level reads as a fall. A larger move, a fall while it runs, or a conversion move still
    notifies: a campaign doing the opposite of its plan, or an incident on top of it, is news.
    """
    if alert.metric not in PLANNED_LIFT_METRICS or not math.isfinite(alert.pct_change):
        return []
    cause, inside = effective_cause(alert), _inside(alert)
    rising = alert.pct_change > 0
    lifting = [
        c
        for c in campaigns
        if c.planned_lift is not None
        and c.planned_lift > 0
        and (c.addresses(cause) or (bool(inside) and c.addresses(inside)))
        and (c.start <= alert.date <= c.end if rising else _just_ended(c, alert.date, config))
    ]
    bound = _planned_bound(alert.metric, lifting, config)
    if not lifting or not 0 < abs(alert.pct_change) <= (bound if rising else bound / (1.0 + bound)):
        return []
    if not rising and not _fall_undoes_a_rise(alert, lifting, grid, scores, config):
        return []
    return sorted(lifting, key=lambda c: c.start)


def _fall_undoes_a_rise(
    alert: Alert, lifting: list[Campaign], grid: SeriesGrid, scores: GridScores, config: DetectionConfig
) -> bool:
    """The series really rose during the campaigns (calendar-adjusted median of their last baseline window
    above the one before they started) and the day is back at the level before them (its calendar-adjusted
    value no lower than that earlier median by more than the day's band): the baseline still holds lifted
    days, and the return to the earlier level reads as a fall. Without the rise, a fall after a campaign
    that lifted nothing is an incident like any other; below the earlier level, so is the fall."""
    row = grid.row(alert.metric, grid.scopes.index(alert.scope))
    start, end = min(c.start for c in lifting), max(c.end for c in lifting)
    window = dt.timedelta(days=config.baseline_window)
    before = _adjusted_median(grid, scores, row, start - window, start - dt.timedelta(days=1))
    during = _adjusted_median(grid, scores, row, max(start, end - window + dt.timedelta(days=1)), end)
    today = _adjusted_median(grid, scores, row, alert.date, alert.date)
    column = column_of(grid, alert.date)
    band = math.log(float(scores.upper[row, column]) / float(scores.expected[row, column]))
    return bool(
        np.isfinite([before, during, today, band]).all() and during > before and today - before >= -band
    )


def _adjusted_median(grid: SeriesGrid, scores: GridScores, row: int, first: dt.date, last: dt.date) -> float:
    """Median of log(value) − the day's calendar effect over ``first``–``last`` (NaN without values)."""
    days = (grid.dates >= pd.Timestamp(first)) & (grid.dates <= pd.Timestamp(last))
    values = grid.values[row, days]
    usable = np.isfinite(values) & (values > 0)
    if not usable.any():
        return math.nan
    adjusted = np.log(values[usable]) - scores.calendar_effect[row, days][usable]
    return float(np.median(adjusted))


def _just_ended(campaign: Campaign, day: dt.date, config: DetectionConfig) -> bool:
    """``day`` is within a baseline window after the campaign's end: the baseline still holds some of its
    lifted days, so the return to the earlier level reads as a fall."""
    return campaign.end < day <= campaign.end + dt.timedelta(days=config.baseline_window)


def _planned_bound(metric: str, lifting: list[Campaign], config: DetectionConfig) -> float:
    """How far the campaigns may move ``metric`` on their audience: ``campaign_lift_tolerance`` × their
    compounded planned 边现 lift; revenue = DAU × 边现, so both factors may move it."""
    bound = config.campaign_lift_tolerance * _compound_plan(lifting)
    return (1.0 + bound) ** 2 - 1.0 if metric == "revenue" else bound


def _compound_plan(lifting: list[Campaign]) -> float:
    """The planned lifts of campaigns on one audience, compounded (each has a planned lift)."""
    return math.prod(1.0 + (c.planned_lift or 0.0) for c in lifting) - 1.0


def _planned_text(alert: Alert, lifting: list[Campaign], language: str) -> str:
    planned = _compound_plan(lifting)
    ids = _ids(lifting, language)
    label = alert.metric_label
    if alert.pct_change < 0:
        end = max(c.end for c in lifting)
        if language != "zh":
            return (
                f"Campaign {ids} ended on {end:%m-%d}: {label} {alert.pct_change:+.1%} is its planned lift "
                f"({planned:+.1%}) ending – the return to the level before it"
            )
        return f"活动 {ids} 已于 {end:%m-%d} 结束：{label} {alert.pct_change:+.1%}，是活动计划提升（{planned:+.1%}）结束后的回落"
    if language != "zh":
        return (
            f"Campaign {ids} running: {label} {alert.pct_change:+.1%} is within its planned ARPU lift "
            f"({planned:+.1%}) – the campaign's effect"
        )
    return f"活动 {ids} 进行中：{label} {alert.pct_change:+.1%}，在活动计划的边现提升（{planned:+.1%}）范围内，属活动效果"


def _ids(lifting: list[Campaign], language: str) -> str:
    return ("、" if language == "zh" else ", ").join(c.campaign_id for c in lifting)


def _carried_text(alert: Alert, lifting: list[Campaign], language: str) -> str:
    audiences = sorted({next(iter(v)) for c in lifting for v in (c.audience or {}).values()})
    ids = _ids(lifting, language)
    label = alert.metric_label
    if language != "zh":
        return (
            f"Campaign {ids} running: {label} {alert.pct_change:+.1%} is its audience's "
            f"({', '.join(audiences)}) planned lift seen through this slice – the campaign's effect"
        )
    return f"活动 {ids} 进行中：{label} {alert.pct_change:+.1%}，是活动人群（{'、'.join(audiences)}）计划内的提升在本切片上的体现，属活动效果"


def _acquisition_signature(
    alert: Alert, grid: SeriesGrid, scores: GridScores, config: DetectionConfig
) -> bool:
    """DAU anomalously up on the alert's scope while revenue did not follow."""
    column = column_of(grid, alert.date)
    scope = grid.scopes.index(alert.scope)
    dau_row, revenue_row = grid.row("dau", scope), grid.row("revenue", scope)
    dau_move = float(scores.log_error[dau_row, column])
    revenue_move = float(scores.log_error[revenue_row, column])
    dau_score = float(scores.score[dau_row, column])
    if not (np.isfinite(dau_move) and np.isfinite(revenue_move)) or dau_score < config.minor:
        return False
    return dau_move > 0 and revenue_move <= (1.0 - config.explain_min_denominator_share) * dau_move


def _campaign_text(
    alert: Alert, campaign: Campaign, grid: SeriesGrid, scores: GridScores, language: str
) -> str:
    column = column_of(grid, alert.date)
    scope = grid.scopes.index(alert.scope)
    dau_pct = math.expm1(float(scores.log_error[grid.row("dau", scope), column]))
    revenue_pct = math.expm1(float(scores.log_error[grid.row("revenue", scope), column]))
    period = f"{campaign.start:%m-%d}–{campaign.end:%m-%d}"
    if language != "zh":
        return (
            f"Campaign {campaign.campaign_id} running ({period}): DAU {dau_pct:+.1%} while revenue "
            f"{revenue_pct:+.1%} – the traffic the campaign was designed to bring"
        )
    return f"活动 {campaign.campaign_id} 进行中（{period}）：DAU {dau_pct:+.1%}，收入 {revenue_pct:+.1%}，属活动带来的预期流量"
