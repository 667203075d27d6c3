"""The treated slice, its control slices and the blocked periods of a campaign, for ``core.retro.counterfactual``.

Treated: the campaign's target value in the dimension that holds it. Controls: every other value of that
dimension, each with its own campaigns' periods (the estimator leaves those days out of that control: a
control lifted by its own campaign would hide the lift). Blocked: the periods of the target value's other
campaigns (no fit day or placebo window may touch them). The daily sums come from ``daily`` — a data source
handed in (the embedded store or a warehouse), called once per slice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from core.retro.counterfactual import CounterfactualLift, campaign_lift

Daily = Callable[[Mapping[str, str]], pd.DataFrame]


@dataclass(frozen=True)
class SliceFrames:
    treated: pd.DataFrame
    controls: dict[str, pd.DataFrame]
    blocked: list[tuple[dt.date, dt.date]]  # the treated slice's other campaigns
    control_blocked: dict[str, list[tuple[dt.date, dt.date]]]  # per control, its own campaigns


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
) -> SliceFrames:
    """The treated slice, its controls and the campaign periods for a campaign on ``dimension = value`` over
    ``start``–``end`` (``exclude``: the campaign itself, when it is in ``campaigns``)."""
    others = campaigns[campaigns["campaign_id"].astype(str) != exclude] if exclude else campaigns
    targets = others.get("target_segment", pd.Series(dtype=str)).astype(str)
    starts = pd.to_datetime(others["start_date"]).dt.date
    ends = pd.to_datetime(others["end_date"]).dt.date
    periods: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for target, first, last in zip(targets, starts, ends, strict=True):
        periods.setdefault(target, []).append((first, last))
    names = {v: f"{dimension}={v}" for v in values if v != value}
    return SliceFrames(
        treated=daily({dimension: value}),
        controls={name: daily({dimension: v}) for v, name in names.items()},
        blocked=periods.get(value, []),
        control_blocked={name: periods.get(v, []) for v, name in names.items()},
    )


def campaign_counterfactual(frames: SliceFrames, start: dt.date, end: dt.date) -> CounterfactualLift:
    """The counterfactual lift of a campaign over ``start``–``end`` on the slices of :func:`slice_frames`."""
    return campaign_lift(
        frames.treated,
        frames.controls,
        start,
        end,
        blocked=frames.blocked,
        control_blocked=frames.control_blocked,
    )
