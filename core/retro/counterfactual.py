"""What a campaign did, measured against what its slice would have done without it.

**Method: a synthetic control with a placebo-calibrated interval** (pure functions over daily sums).

* *Treated*: the campaign's target slice, daily sums of the measures. *Controls*: other slices (values of
  the same dimension, sharing no targeted value, running no overlapping campaign), each a daily series.
* *Fit* (the ``fit_days`` before the launch): per measure, the gap ``log treated − log controls`` of every
  candidate control; the controls whose gap is steadiest (smallest day-to-day spread: they share the
  slice's weekly profile, holidays and trend) are kept — at most ``MAX_CONTROLS``, each within
  ``CONTROL_SPREAD_FACTOR`` of the best — and summed. The counterfactual of a measure on a campaign day is the
  controls' sum that day times the median pre-period ratio; ratio metrics (边现, conversion) are ratios of
  the counterfactual sums. Calendar effects shared with the controls cancel; what is left is the slice's
  own noise and drift, which the placebos measure.
* *Placebos*: the same estimate at fake launch dates of the same length in the slice's own history before
  the campaign (weekly steps, no overlap with the campaign or any other campaign on the slice). Their
  errors (the "lift" of no campaign) give the bias and spread of the estimator for this slice and this
  length; the 80 % interval is ``lift − bias ± 1.2816 × spread`` in log space, the p-value the two-sided
  normal one on the same scale (when fewer than ``MIN_PLACEBOS`` windows are clean, windows overlapping
  other campaigns are used and the result says so: their effects widen the interval, never narrow it),
  and the minimum detectable effect (80 % power at the verdict's 10 % level)
  ``(1.645 + 0.8416) × spread``.
* *Verdict*: 有效 (``effective``) when 边现's p < 0.10 and its lift is positive; 无显著效果 (``no_effect``)
  otherwise; 无法判断 (``undetermined``) with the reason when the campaign is shorter than ``MIN_DAYS``, no
  control slice exists, fewer than ``MIN_PLACEBOS`` placebo windows fit in the history, or the placebos'
  spread exceeds ``MAX_SPREAD`` (the pre-period does not fit).

Why not a structural time-series model (CausalImpact, statsmodels' UnobservedComponents) first: its
intervals assume its own noise model, and a slice's noise is rarely that model — intervals calibrated on the
slice's own placebo windows mean what they say by construction, on any cube; the controls carry the
calendar. The price is history: it needs ``MIN_PLACEBOS`` windows before the launch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel

FIT_DAYS = 28
MAX_CONTROLS = 5
CONTROL_SPREAD_FACTOR = 1.5
MIN_DAYS = 3
MIN_PLACEBOS = 6
MAX_SPREAD = 0.5  # log units: a placebo spread beyond ±65 % means the pre-period does not fit
PLACEBO_STEP_DAYS = 7
Z80 = 1.2816  # two-sided 80 % interval
Z_VERDICT = 1.6449  # two-sided 10 % level
Z_POWER = 0.8416  # 80 % power
LIFT_METRICS: tuple[str, ...] = ("arpu", "revenue", "dau", "conversion")
BASE_MEASURES: dict[str, tuple[str, ...]] = {
    "dau": ("dau",),
    "revenue": ("revenue",),
    "members": ("new_members", "renew_members"),
}

Verdict = Literal["effective", "no_effect", "undetermined"]


class MetricLift(BaseModel):
    metric: str
    actual: float
    counterfactual: float
    lift: float  # actual / counterfactual - 1, bias-corrected by the placebos
    lift_low: float  # 80 % interval
    lift_high: float
    p_value: float


class CounterfactualLift(BaseModel):
    method: str = "synthetic_control_placebo"
    start: dt.date
    end: dt.date
    controls: list[str]
    verdict: Verdict
    reason: str | None = None  # why undetermined (too_short, no_controls, short_history, poor_fit)
    mde: float | None = None  # the smallest 边现 lift this slice and length can tell from noise
    placebo_windows: int = 0
    placebos_overlap_campaigns: bool = False  # too few clean windows: some overlap other campaigns
    controls_have_campaigns: bool = False  # no control slice was free of campaigns (core.retro.controls)
    placebo_false_positive_rate: float | None = None  # placebos the verdict would have called effective
    metrics: dict[str, MetricLift] = {}
    daily: list[tuple[dt.date, float, float]] = []  # (date, actual 边现, counterfactual 边现)


def campaign_lift(
    treated: pd.DataFrame,
    controls: Mapping[str, pd.DataFrame],
    start: dt.date,
    end: dt.date,
    *,
    blocked: Sequence[tuple[dt.date, dt.date]] = (),
    fit_days: int = FIT_DAYS,
) -> CounterfactualLift:
    """The campaign's lift on ``treated`` over ``start``–``end`` against the ``controls``.

    Frames: one row per day (a ``DatetimeIndex``), the measure sums as columns (``dau``, ``revenue``,
    ``new_members``, ``renew_members``). ``blocked``: other campaigns' periods on the slice (no placebo
    window may touch them)."""
    length = (end - start).days + 1
    empty = CounterfactualLift(start=start, end=end, controls=[], verdict="undetermined")
    if length < MIN_DAYS:
        return empty.model_copy(update={"reason": "too_short"})
    treated_base, control_bases = _bases(treated), {k: _bases(v) for k, v in controls.items()}
    fit = treated_base.reindex(_fit_window(treated_base.index, start, fit_days))
    if fit.notna().all(axis=1).sum() < fit_days // 2:
        return empty.model_copy(update={"reason": "short_history"})
    chosen = _choose_controls(treated_base, control_bases, start, fit_days)
    if not chosen:
        return empty.model_copy(update={"reason": "no_controls"})
    control = sum(control_bases[name] for name in chosen)
    period = _period(treated_base, control, start, end, fit_days)
    estimate = _log_lifts_of(period) if period is not None else None
    if period is None or estimate is None:
        return empty.model_copy(update={"controls": chosen, "reason": "no_controls"})
    placebos = _placebos(treated_base, control, start, length, fit_days, blocked)
    overlapping = len(placebos) < MIN_PLACEBOS and bool(blocked)
    if overlapping:  # too few clean windows: let them overlap other campaigns (wider, not narrower)
        placebos = _placebos(treated_base, control, start, length, fit_days, ())
    result = empty.model_copy(
        update={
            "controls": chosen,
            "placebo_windows": len(placebos),
            "placebos_overlap_campaigns": overlapping,
        }
    )
    if len(placebos) < MIN_PLACEBOS:
        return result.model_copy(update={"reason": "short_history"})
    errors = {m: np.array([p[m] for p in placebos]) for m in LIFT_METRICS}
    spread = {m: float(np.std(errors[m], ddof=1)) for m in LIFT_METRICS}
    if not math.isfinite(spread["arpu"]) or spread["arpu"] > MAX_SPREAD:
        return result.model_copy(update={"reason": "poor_fit"})
    bias = {m: float(np.median(errors[m])) for m in LIFT_METRICS}
    metrics = {m: _metric_lift(m, estimate[m], bias[m], spread[m], period) for m in LIFT_METRICS}
    arpu = metrics["arpu"]
    effective = arpu.p_value < 0.10 and arpu.lift > 0
    false_positives = _placebo_false_positives(errors["arpu"])
    return result.model_copy(
        update={
            "verdict": "effective" if effective else "no_effect",
            "mde": detectable_effect(spread["arpu"]),
            "placebo_false_positive_rate": false_positives,
            "metrics": metrics,
            "daily": _daily_arpu(treated_base, period.counterfactual),
        }
    )


class PlaceboSpread(BaseModel):
    """The estimator's noise for one slice and one length: what ``/abtest`` plans with."""

    controls: list[str]
    windows: int
    spread: dict[str, float]  # metric -> standard deviation of the placebo log lifts


def placebo_spread(
    treated: pd.DataFrame,
    controls: Mapping[str, pd.DataFrame],
    launch: dt.date,
    length: int,
    *,
    blocked: Sequence[tuple[dt.date, dt.date]] = (),
    fit_days: int = FIT_DAYS,
) -> PlaceboSpread | None:
    """The placebo spread of a campaign of ``length`` days launched on ``launch`` (None: no controls or
    fewer than ``MIN_PLACEBOS`` windows)."""
    treated_base, control_bases = _bases(treated), {k: _bases(v) for k, v in controls.items()}
    chosen = _choose_controls(treated_base, control_bases, launch, fit_days)
    if not chosen:
        return None
    control = sum(control_bases[name] for name in chosen)
    placebos = _placebos(treated_base, control, launch, length, fit_days, blocked)
    if len(placebos) < MIN_PLACEBOS and blocked:  # as campaign_lift does: overlap rather than nothing
        placebos = _placebos(treated_base, control, launch, length, fit_days, ())
    if len(placebos) < MIN_PLACEBOS:
        return None
    spread = {m: float(np.std([p[m] for p in placebos], ddof=1)) for m in LIFT_METRICS}
    return PlaceboSpread(controls=chosen, windows=len(placebos), spread=spread)


def detectable_effect(spread: float) -> float:
    """The smallest lift the verdict calls effective 80 % of the time, for a placebo spread (log units)."""
    return math.expm1((Z_VERDICT + Z_POWER) * spread)


# -- the estimate ----------------------------------------------------------------------------------------


def _bases(frame: pd.DataFrame) -> pd.DataFrame:
    """The base measures (dau, revenue, members) as a float frame on a consecutive daily index."""
    index = pd.date_range(frame.index.min(), frame.index.max(), freq="D")
    out = pd.DataFrame(index=index)
    for base, columns in BASE_MEASURES.items():
        out[base] = sum(frame[c] for c in columns).reindex(index).astype(float)
    return out


def _fit_window(index: pd.DatetimeIndex, start: dt.date, fit_days: int) -> pd.DatetimeIndex:
    launch = pd.Timestamp(start)
    return index[(index < launch) & (index >= launch - pd.Timedelta(days=fit_days))]


def _choose_controls(
    treated: pd.DataFrame, controls: Mapping[str, pd.DataFrame], start: dt.date, fit_days: int
) -> list[str]:
    """The controls whose pre-period gap to the treated slice is steadiest (see the module docstring)."""
    window = _fit_window(treated.index, start, fit_days)
    spreads = {}
    for name, control in controls.items():
        gaps = [_gap(treated[b], control[b], window) for b in ("dau", "revenue")]
        if all(g is not None and len(g) >= fit_days // 2 for g in gaps):
            spreads[name] = float(np.mean([np.std(np.diff(g)) for g in gaps]))  # type: ignore[arg-type]
    if not spreads:
        return []
    best = min(spreads.values())
    ranked = sorted((s, name) for name, s in spreads.items() if s <= CONTROL_SPREAD_FACTOR * best + 1e-12)
    return [name for _, name in ranked[:MAX_CONTROLS]]


def _gap(treated: pd.Series, control: pd.Series, window: pd.DatetimeIndex) -> np.ndarray | None:
    t = treated.reindex(window).to_numpy(dtype=float)
    c = control.reindex(window).to_numpy(dtype=float) if len(control) else np.full(len(window), np.nan)
    ok = np.isfinite(t) & np.isfinite(c) & (t > 0) & (c > 0)
    return np.log(t[ok]) - np.log(c[ok]) if ok.any() else None


def _counterfactual(
    treated: pd.DataFrame, control: pd.DataFrame, start: dt.date, end: dt.date, fit_days: int
) -> pd.DataFrame | None:
    """Per base measure, the counterfactual daily sums over ``start``–``end`` (None: cannot be fitted)."""
    window = _fit_window(treated.index, start, fit_days)
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    out = pd.DataFrame(index=days)
    for base in BASE_MEASURES:
        gap = _gap(treated[base], control[base], window)
        if gap is None or len(gap) < fit_days // 2:
            return None
        out[base] = control[base].reindex(days).to_numpy(dtype=float) * math.exp(float(np.median(gap)))
    return out


def _sums(frame: pd.DataFrame, days: pd.DatetimeIndex) -> dict[str, float]:
    rows = frame.reindex(days)
    return {base: float(rows[base].sum()) for base in BASE_MEASURES}


def _metric_of(sums: dict[str, float], metric: str) -> float:
    if metric == "arpu":
        return sums["revenue"] / sums["dau"] if sums["dau"] > 0 else math.nan
    if metric == "conversion":
        return sums["members"] / sums["dau"] if sums["dau"] > 0 else math.nan
    return sums[metric]


@dataclass(frozen=True)
class _Period:
    counterfactual: pd.DataFrame  # daily counterfactual sums of the base measures
    actual: dict[str, float]  # period sums over the days both sides have
    expected: dict[str, float]


def _period(
    treated: pd.DataFrame, control: pd.DataFrame, start: dt.date, end: dt.date, fit_days: int
) -> _Period | None:
    counterfactual = _counterfactual(treated, control, start, end, fit_days)
    if counterfactual is None:
        return None
    observed = treated.reindex(counterfactual.index)
    days = counterfactual.index[observed.notna().all(axis=1) & counterfactual.notna().all(axis=1)]
    if len(days) < MIN_DAYS:  # a missing day (no rows at all) is left out of both sides
        return None
    return _Period(counterfactual, _sums(treated, days), _sums(counterfactual, days))


def _log_lifts(
    treated: pd.DataFrame, control: pd.DataFrame, start: dt.date, end: dt.date, fit_days: int
) -> dict[str, float] | None:
    """log(actual / counterfactual) of each lift metric over the period."""
    period = _period(treated, control, start, end, fit_days)
    return _log_lifts_of(period) if period is not None else None


def _log_lifts_of(period: _Period) -> dict[str, float] | None:
    out = {}
    for metric in LIFT_METRICS:
        a, e = _metric_of(period.actual, metric), _metric_of(period.expected, metric)
        if not (a > 0 and e > 0):
            return None
        out[metric] = math.log(a / e)
    return out


def _metric_lift(
    metric: str,
    log_lift: float,
    bias: float,
    spread: float,
    period: _Period,
) -> MetricLift:
    corrected = log_lift - bias
    z = corrected / spread if spread > 0 else math.inf
    p_value = math.erfc(abs(z) / math.sqrt(2)) if math.isfinite(z) else 0.0
    return MetricLift(
        metric=metric,
        actual=_metric_of(period.actual, metric),
        counterfactual=_metric_of(period.expected, metric) * math.exp(bias),
        lift=math.expm1(corrected),
        lift_low=math.expm1(corrected - Z80 * spread),
        lift_high=math.expm1(corrected + Z80 * spread),
        p_value=p_value,
    )


def _placebos(
    treated: pd.DataFrame,
    control: pd.DataFrame,
    start: dt.date,
    length: int,
    fit_days: int,
    blocked: Sequence[tuple[dt.date, dt.date]],
) -> list[dict[str, float]]:
    return [
        lifts
        for fake in _placebo_starts(treated.index, start, length, fit_days, blocked)
        if (lifts := _log_lifts(treated, control, fake, fake + dt.timedelta(days=length - 1), fit_days))
    ]


def _placebo_starts(
    index: pd.DatetimeIndex,
    start: dt.date,
    length: int,
    fit_days: int,
    blocked: Sequence[tuple[dt.date, dt.date]],
) -> list[dt.date]:
    """Fake launch dates, weekly back from just before the campaign, each with a full fit window."""
    first = index.min().date()
    out = []
    fake = start - dt.timedelta(days=length + PLACEBO_STEP_DAYS)
    while fake - dt.timedelta(days=fit_days) >= first:
        fake_end = fake + dt.timedelta(days=length - 1)
        if not any(fake <= b_end and b_start <= fake_end for b_start, b_end in blocked):
            out.append(fake)  # (another campaign in its fit window is fine: the fit is a median)
        fake -= dt.timedelta(days=PLACEBO_STEP_DAYS)
    return out


def _placebo_false_positives(errors: np.ndarray) -> float:
    """Share of placebo windows that the verdict would call effective, each judged against the others."""
    hits = 0
    for i, error in enumerate(errors):
        rest = np.delete(errors, i)
        spread = float(np.std(rest, ddof=1))
        if spread > 0 and (error - float(np.median(rest))) / spread > Z_VERDICT:
            hits += 1
    return hits / len(errors)


def _daily_arpu(treated: pd.DataFrame, counterfactual: pd.DataFrame) -> list[tuple[dt.date, float, float]]:
    actual = treated.reindex(counterfactual.index)
    rows = zip(
        counterfactual.index,
        actual["revenue"],
        actual["dau"],
        counterfactual["revenue"],
        counterfactual["dau"],
        strict=True,
    )
    return [(day.date(), float(ar / ad), float(cr / cd)) for day, ar, ad, cr, cd in rows if ad > 0 and cd > 0]


__all__ = [
    "CounterfactualLift",
    "MetricLift",
    "PlaceboSpread",
    "campaign_lift",
    "detectable_effect",
    "placebo_spread",
]


def incremental_revenue(lift: CounterfactualLift) -> dict[str, float] | None:
    """The revenue the campaign added over the counterfactual: estimate and the 80 % interval's ends."""
    revenue = lift.metrics.get("revenue")
    if revenue is None:
        return None

    def extra(fraction: float) -> float:
        return revenue.actual - revenue.actual / (1 + fraction)

    return {"estimate": extra(revenue.lift), "low": extra(revenue.lift_low), "high": extra(revenue.lift_high)}
