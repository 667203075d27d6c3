"""Apply injected events to the base cube by scaling the measures of the leaves in each event's slice.

How an event moves the additive measures (``f`` is the event's factor, 1 - m for drops, 1 + m otherwise):

=====================  ==========================================================================
metric / kind          measures multiplied by ``f``
=====================  ==========================================================================
arpu, revenue          revenue only (DAU unchanged, so 边现 moves by exactly ``f`` on the slice)
dau                    DAU, revenue and members together (a volume change; ARPU unchanged)
conversion             new and renewed members
new/renew_members      that measure
holiday_surge          DAU × f, revenue × (1 + 0.92 m), members × (1 + 0.9 m): ARPU dips slightly
free_trial_surge       DAU only: revenue stays, so ARPU falls purely because DAU rose
=====================  ==========================================================================

Events compose multiplicatively, so overlapping events (say a level shift and a later drop) both show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.demo.catalog import slice_mask
from core.demo.cube import BaseCube
from core.demo.events import InjectedEvent

HOLIDAY_REVENUE_RATIO = 0.92
HOLIDAY_MEMBER_RATIO = 0.9


def measure_factors(event: InjectedEvent) -> dict[str, float]:
    """The multiplier per measure for one event day (measures not listed stay unchanged)."""
    f, m = event.factor(), event.magnitude
    if event.kind == "holiday_surge":
        members = 1.0 + HOLIDAY_MEMBER_RATIO * m
        return {
            "dau": f,
            "revenue": 1.0 + HOLIDAY_REVENUE_RATIO * m,
            "new_members": members,
            "renew_members": members,
        }
    if event.kind == "free_trial_surge":
        return {"dau": f}
    if event.metric in ("arpu", "revenue"):
        return {"revenue": f}
    if event.metric == "dau":
        return {"dau": f, "revenue": f, "new_members": f, "renew_members": f}
    if event.metric == "conversion":
        return {"new_members": f, "renew_members": f}
    return {event.metric: f}


def event_day_positions(event: InjectedEvent, dates: pd.DatetimeIndex) -> np.ndarray:
    """Positions in ``dates`` covered by the event (a level shift runs to the last date)."""
    start = pd.Timestamp(event.start)
    stop = dates[-1] if event.kind == "level_shift" else pd.Timestamp(event.end)
    return np.flatnonzero((dates >= start) & (dates <= stop))


def apply_events(cube: BaseCube, events: list[InjectedEvent]) -> None:
    """Scale the cube's measure matrices in place for every event.

    Events outside the date range change nothing; a slice that matches no leaf raises ``ValueError``.
    """
    for event in events:
        days = event_day_positions(event, cube.dates)
        leaves = np.flatnonzero(slice_mask(cube.leaves, event.slice))
        if len(leaves) == 0:
            raise ValueError(f"event slice {event.slice} matches no leaf of the demo cube")
        if len(days) == 0:
            continue
        block = np.ix_(days, leaves)
        for measure, factor in measure_factors(event).items():
            getattr(cube, measure)[block] *= factor
