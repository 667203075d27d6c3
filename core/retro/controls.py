"""The treated slice, its control slices and the blocked periods of a campaign, for ``core.retro.counterfactual``.

Treated: the campaign's target value in the dimension that holds it. Controls: every other value of that
dimension, each with its own campaigns' periods (the estimator leaves those days out of that control: a
control lifted by its own campaign would hide the lift). Blocked: the periods of the target value's other
campaigns (no fit day or placebo window may touch them). The daily sums come from ``daily`` — a data source
handed in (the embedded store or a warehouse), called once per slice. With ``breakdown`` (the source's
per-day, per-value sums) the slices are also split by the dimension whose mix differs most between the
treated slice and the rest (:mod:`core.retro.strata`), one query per slice, and the estimator compares them
within each of its values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from core.retro.counterfactual import CounterfactualLift, campaign_lift
from core.retro.strata import Breakdown, stratum_dimension, stratum_frames

Daily = Callable[[Mapping[str, str]], pd.DataFrame]


@dataclass(frozen=True)
class SliceFrames:
    treated: pd.DataFrame
    controls: dict[str, pd.DataFrame]
    blocked: list[tuple[dt.date, dt.date]]  # the treated slice's other campaigns
    control_blocked: dict[str, list[tuple[dt.date, dt.date]]]  # per control, its own campaigns
    overlapping: list[str] = field(default_factory=list)  # the treated slice's other campaigns in the period
    stratum: str | None = None  # the dimension the slices are also split by
    # per value of ``stratum``: (the treated slice's daily sums, each control's)
    strata: list[tuple[pd.DataFrame, dict[str, pd.DataFrame]]] = field(default_factory=list)


def slice_frames(
    dimension: str,
    value: str,
    values: Sequence[str],
    start: dt.date,
    end: dt.date,
    campaigns: pd.DataFrame,
    daily: Daily,
    *,
    exclude: str | None = None,
    breakdown: Breakdown | None = None,
    dimensions: Sequence[str] = (),
) -> SliceFrames:
    """The treated slice, its controls and the campaign periods for a campaign on ``dimension = value`` over
    ``start``–``end`` (``exclude``: the campaign itself, when it is in ``campaigns``); with ``breakdown``, the
    slices split by the one of ``dimensions`` chosen by :func:`core.retro.strata.stratum_dimension`."""
    others = campaigns[campaigns["campaign_id"].astype(str) != exclude] if exclude else campaigns
    targets = others.get("target_segment", pd.Series(dtype=str)).astype(str)
    starts = pd.to_datetime(others["start_date"]).dt.date
    ends = pd.to_datetime(others["end_date"]).dt.date
    periods: dict[str, list[tuple[dt.date, dt.date]]] = {}
    overlapping = []
    for campaign_id, target, first, last in zip(
        others["campaign_id"].astype(str), targets, starts, ends, strict=True
    ):
        periods.setdefault(target, []).append((first, last))
        if target == value and first <= end and start <= last:
            overlapping.append(campaign_id)
    names = {v: f"{dimension}={v}" for v in values if v != value}
    treated = daily({dimension: value})
    frames = SliceFrames(
        treated=treated,
        controls={name: daily({dimension: v}) for v, name in names.items()},
        blocked=periods.get(value, []),
        control_blocked={name: periods.get(v, []) for v, name in names.items()},
        overlapping=overlapping,
    )
    if breakdown is None:
        return frames
    stratum, strata = split_slices(dimension, value, list(names), treated, start, breakdown, dimensions)
    if stratum is None:
        return frames
    return replace(frames, stratum=stratum, strata=strata)


def split_slices(
    dimension: str,
    value: str,
    others: Sequence[str],
    treated: pd.DataFrame,
    launch: dt.date,
    breakdown: Breakdown,
    dimensions: Sequence[str],
) -> tuple[str | None, list[tuple[pd.DataFrame, dict[str, pd.DataFrame]]]]:
    """The stratum dimension for ``dimension = value`` (:func:`core.retro.strata.stratum_dimension`) and,
    per value of it, the treated slice's daily sums and each control's (``dimension=<other>``), on the
    treated slice's days; ``(None, [])`` when no dimension is worth it."""
    stratum = stratum_dimension(dimension, value, dimensions, launch, breakdown)
    if stratum is None or treated.empty:
        return None, []
    index = pd.date_range(treated.index.min(), treated.index.max(), freq="D")
    inside = stratum_frames(stratum, {dimension: value}, index, breakdown)
    outside = {f"{dimension}={v}": stratum_frames(stratum, {dimension: v}, index, breakdown) for v in others}
    empty = pd.DataFrame(0.0, index=index, columns=list(treated.columns))
    return stratum, [
        (inside[k], {name: by_value.get(k, empty) for name, by_value in outside.items()})
        for k in sorted(inside)
    ]


def campaign_counterfactual(frames: SliceFrames, start: dt.date, end: dt.date) -> CounterfactualLift:
    """The counterfactual lift of a campaign over ``start``–``end`` on the slices of :func:`slice_frames`."""
    return campaign_lift(
        frames.treated,
        frames.controls,
        start,
        end,
        blocked=frames.blocked,
        control_blocked=frames.control_blocked,
        strata=frames.strata,
    ).model_copy(update={"stratum": frames.stratum, "overlapping_campaigns": frames.overlapping})
