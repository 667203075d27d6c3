"""Running campaigns as an explanation: a traffic surge that a campaign was designed to cause is benign.

A free-trial or discount acquisition campaign brings many non-paying users into its slice: DAU (and the
members it converts) rise there while revenue does not follow, so 边现 and conversion fall only because
their denominator grew. That signature – DAU up on the alert's scope, revenue's move at most
``1 - explain_min_denominator_share`` of DAU's – separates a campaign surge from a genuine DAU spike (where
revenue rises with DAU) and from a revenue spike (DAU flat). When it holds and a campaign running that day
targets the alert's effective cause – or the slice inside the alert's scope that carries the move (a
free trial's discount draws users from every segment, not only from the campaign's main target) – the
alert is explained ("活动 C2026xxx 进行中") instead of notified.

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

ID_COLUMN, START_COLUMN, END_COLUMN = "campaign_id", "start_date", "end_date"
_TOKEN_SPLIT = re.compile(r"[|+,，;；/、\s]+")
_SHARE = re.compile(r"\d+(\.\d+)?%?$")


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    start: dt.date
    end: dt.date
    target: dict[str, frozenset[str]]  # dimension -> values the campaign addresses

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
        for column, cell in record.items():
            if column in (ID_COLUMN, START_COLUMN, END_COLUMN) or not isinstance(cell, str):
                continue
            for token in _TOKEN_SPLIT.split(cell):
                value = _SHARE.sub("", token)
                if value in owner:
                    target.setdefault(owner[value], set()).add(value)
        if target:
            frozen = {d: frozenset(v) for d, v in target.items()}
            out.append(Campaign(str(record.get(ID_COLUMN, "")), start, end, frozen))
    return out


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
    for alert in alerts:
        campaign = _explaining_campaign(alert, campaigns, grid, scores, config)
        if campaign is None:
            standing.append(alert)
            continue
        alert.explained_by = _campaign_text(alert, campaign, grid, scores, language)
        explained.append(alert)
    return _fold_into_explained(standing, explained)


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
