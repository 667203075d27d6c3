"""``/abtest``: how large an effect a campaign on one slice can show, and how long it must run.

The campaign is measured as every retro measures it (``core.retro.counterfactual``): the whole slice against
its synthetic control, no users held out. The estimator's noise for a length ``L`` is the spread of its
placebo lifts — fake launches of ``L`` days in the slice's own history — so the plan rests on the same
machinery as the readout. For each candidate length: the minimum detectable effect (80 % power at the
verdict's 10 % level); the days needed for the asked effect are the shortest length whose MDE is at most it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd
from pydantic import BaseModel

from core.retro.counterfactual import detectable_effect, placebo_spreads
from core.retro.slices import Strata

CANDIDATE_DAYS: tuple[int, ...] = (7, 14, 21, 28, 42, 56)


class LengthOption(BaseModel):
    days: int
    mde: float
    placebo_windows: int
    in_space: bool = False  # too few windows of the slice's own: its controls' windows calibrate it too


class ExperimentPlan(BaseModel):
    metric: str
    effect: float | None  # the asked effect (fraction), None when only the length was given
    days: int  # the asked length
    launch: dt.date
    mde: float | None  # for the asked length (None: not enough history for it)
    days_needed: int | None  # shortest candidate length detecting ``effect`` (None: none of them)
    options: list[LengthOption]
    controls: list[str]


def plan_experiment(
    treated: pd.DataFrame,
    controls: Mapping[str, pd.DataFrame],
    metric: str,
    days: int,
    effect: float | None,
    launch: dt.date,
    *,
    blocked: Sequence[tuple[dt.date, dt.date]] = (),
    control_blocked: Mapping[str, Sequence[tuple[dt.date, dt.date]]] | None = None,
    strata: Strata = (),
) -> ExperimentPlan:
    """The plan for a campaign on ``treated`` launched on ``launch`` (the day after the data, usually);
    ``strata`` as for the readout (:func:`core.retro.counterfactual.campaign_lift`)."""
    options: list[LengthOption] = []
    chosen: list[str] = []
    spreads = placebo_spreads(
        treated,
        controls,
        launch,
        sorted({days, *CANDIDATE_DAYS}),
        blocked=blocked,
        control_blocked=control_blocked,
        strata=strata,
    )
    for length, spread in spreads.items():
        if metric not in spread.spread:
            continue
        chosen = chosen or spread.controls
        options.append(
            LengthOption(
                days=length,
                mde=detectable_effect(spread.spread[metric], spread.windows),
                placebo_windows=spread.windows,
                in_space=spread.in_space,
            )
        )
    asked = next((o for o in options if o.days == days), None)
    needed = (
        next((o.days for o in options if o.mde <= abs(effect)), None)
        if effect is not None and options
        else None
    )
    return ExperimentPlan(
        metric=metric,
        effect=effect,
        days=days,
        launch=launch,
        mde=asked.mde if asked else None,
        days_needed=needed,
        options=options,
        controls=chosen,
    )
