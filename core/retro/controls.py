"""The treated slice, its control slices and the blocked periods of a campaign, for ``core.retro.counterfactual``.

Treated: the campaign's target value in the dimension that holds it. Controls: the other values of that
dimension that no campaign targeted while this one ran or during its fit window (a control lifted by its
own campaign would hide the lift); when every other value ran one, all of them, and the result says so
(``controls_have_campaigns``: the lift may be understated). Blocked: the periods of the target value's other campaigns (no placebo
window may touch them). The daily sums come from ``daily`` — a data source handed in (the embedded store
or a warehouse), called once per slice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from core.retro.counterfactual import FIT_DAYS, CounterfactualLift, campaign_lift

Daily = Callable[[Mapping[str, str]], pd.DataFrame]


@dataclass(frozen=True)
class SliceFrames:
    treated: pd.DataFrame
    controls: dict[str, pd.DataFrame]
    blocked: list[tuple[dt.date, dt.date]]
    clean: bool  # the controls ran no campaign of their own in the window


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
    """The treated slice, its controls and the blocked periods for a campaign on ``dimension = value`` over
    ``start``–``end`` (``exclude``: the campaign itself, when it is in ``campaigns``)."""
    others = campaigns[campaigns["campaign_id"].astype(str) != exclude] if exclude else campaigns
    targets = others.get("target_segment", pd.Series(dtype=str)).astype(str)
    starts = pd.to_datetime(others["start_date"]).dt.date
    ends = pd.to_datetime(others["end_date"]).dt.date
    window_start = start - dt.timedelta(days=FIT_DAYS)
    busy = {t for t, s, e in zip(targets, starts, ends, strict=True) if s <= end and window_start <= e}
    blocked = [(s, e) for t, s, e in zip(targets, starts, ends, strict=True) if t == value]
    candidates = [v for v in values if v != value]
    clean = [v for v in candidates if v not in busy]
    controls = {f"{dimension}={v}": daily({dimension: v}) for v in (clean or candidates)}
    return SliceFrames(daily({dimension: value}), controls, blocked, bool(clean))


def campaign_counterfactual(frames: SliceFrames, start: dt.date, end: dt.date) -> CounterfactualLift:
    """The counterfactual lift of a campaign over ``start``–``end`` on the slices of :func:`slice_frames`."""
    lift = campaign_lift(frames.treated, frames.controls, start, end, blocked=frames.blocked)
    if not frames.clean and lift.controls:  # every other value ran a campaign too: a lift there hides ours
        lift = lift.model_copy(update={"controls_have_campaigns": True})
    return lift
