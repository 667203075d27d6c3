"""What a campaign did, measured against what its slice would have done without it.

**Method: a synthetic control with a placebo-calibrated interval** (pure functions over daily sums).

* *Treated*: the campaign's target slice, daily sums of the measures. *Controls*: other slices (values of
  the same dimension, sharing no targeted value), each a daily series; a control's own campaign days are
  left out of it (``control_blocked``), so a control's campaign neither lifts nor lowers the counterfactual.
* *Fit* (per control, the last ``fit_days`` days before the launch on which neither the slice ran another
  campaign nor the control one of its own, looking back at most ``FIT_LOOKBACK_DAYS``: a previous
  campaign's days would fit its lift into the baseline; 28 and 56 days are both tried, ``FIT_CHOICES``, the
  one whose placebo errors spread least is kept, and the interval is calibrated on the errors of that whole
  procedure, choice included: :func:`core.retro.placebos.select_fit`; a campaign early in the data, with
  too few clean days for either, is fitted on ``SHORT_FIT_DAYS`` = 14 — its placebos, fitted alike, widen
  the interval as much as the short fit costs): per measure, the gap ``log treated − log control``;
  the controls whose gap is steadiest (smallest day-to-day spread: they share the slice's weekly profile,
  holidays and trend) are kept — at most ``MAX_CONTROLS``, each within ``CONTROL_SPREAD_FACTOR`` of the
  best. Each kept control predicts the slice: its daily sums times its median pre-period ratio.
* *Strata* (when given, :mod:`core.retro.strata`): the slices split by the values of another dimension (the
  one whose mix differs most between the treated slice and the rest); each control predicts each value of
  the treated slice from the same value of its own, and the predictions are summed — a shock on one value
  (a content taken down) then hits the treated slice and its counterfactual alike. The controls are still
  chosen on the whole slices.
* *Estimate*: the counterfactual of a day is the median of the predictions of the controls free that day
  (one control hit by its own incident — a level shift, a surge — does not move it); the log lift of each
  metric over the campaign's days (ratio metrics — 边现, conversion — as ratios of the period's sums).
  Calendar effects shared with the controls cancel; what is left is the slice's own noise and drift, which
  the placebos measure.
* *Placebos*: the same estimate at fake launch dates of the same length and weekday in the slice's own
  history, before the campaign and after it (a retro is read after the fact), none touching the campaign or
  any other campaign on the slice. Their errors (the "lift" of no campaign) give the bias and spread of the
  estimator for this slice and this length; the 80 % interval is the prediction interval for one more
  draw, ``lift − bias ± t(n − 1) × spread × √(1 + 1/n)`` in log space, and the p-value the two-sided one on
  the same scale (when fewer than ``MIN_PLACEBOS`` windows are clean, windows overlapping other campaigns
  are used with those campaigns' days left out, and the result says so); the minimum detectable effect
  (80 % power at the verdict's 10 % level) on the same scale, ``(t₀.₉₅ + t₀.₈₀)(n − 1) × spread × √(1 + 1/n)``.
* *The controls' disagreement*: the placebos cannot see a shock that hits a control during the campaign (a
  content's level shift, an incident): it moves the counterfactual without widening the interval. So the
  interval also takes the leave-one-control-out (jackknife) spread of the lift over the campaign's days, as
  far as it exceeds the usual one — the median of the same spread over the placebo windows, which their
  errors already contain — added in quadrature to the placebo scale (``control_disagreement``). Controls
  that agree as usual add nothing.
* *Verdict*: 有效 (``effective``) when 边现's p < 0.10 and its lift is positive; 无显著效果 (``no_effect``)
  otherwise; 无法判断 (``undetermined``) with the reason when the campaign is shorter than ``MIN_DAYS``, no
  control slice exists, fewer than ``MIN_PLACEBOS`` placebo windows fit in the history (or too few
  campaign-free days before it to fit), or the placebos' spread exceeds ``MAX_SPREAD`` (the pre-period
  does not fit).
* *Placebos in space*: a slice busy with campaigns on most days (or with little history) has too few
  clean windows of its own. Then each chosen control is measured as if it were the treated slice — the
  same estimator, the other controls as its controls — at the campaign's own dates and the
  ``SPACE_WINDOWS`` nearest windows of its history free of its own campaigns (Abadie et al.'s placebos in
  space). A control's errors are on its own noise scale, so each is rescaled by the ratio of the two slices'
  day-to-day noise over their fit windows (the spread of the daily change of the log gap between a slice and
  the median of its controls) before it joins the slice's own windows; the result says so
  (``placebos_in_space``).

The parts live beside this module: the slices as arrays, the fit, the predictions and the estimate in
:mod:`core.retro.slices`; the placebo windows and the controls' disagreement in :mod:`core.retro.placebos`.

Why not a structural time-series model (CausalImpact, statsmodels' UnobservedComponents) first: its
intervals assume its own noise model, and a slice's noise is rarely that model — intervals calibrated on the
slice's own placebo windows mean what they say by construction, on any cube; the controls carry the
calendar. The price is history: it needs ``MIN_PLACEBOS`` windows around the campaign.
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
from scipy import stats

from core.retro.placebos import MIN_PLACEBOS, Placebo, calibration, excess_disagreement, select_fit
from core.retro.slices import (
    LIFT_METRICS,
    MIN_DAYS,
    Slices,
    Strata,
    choose_controls,
    counterfactual,
    daily_metric,
    estimate,
    fit_window,
    make_slices,
    metric_of,
    predictions,
    rows,
    sums,
)

FIT_CHOICES: tuple[int, ...] = (28, 56)  # fit windows tried; the one whose placebos err least is kept
SHORT_FIT_DAYS = 14  # tried only when no choice has the history: a campaign early in the data
MAX_SPREAD = 0.5  # log units: a placebo spread beyond ±65 % means the pre-period does not fit
INTERVAL = 0.80  # two-sided prediction interval
VERDICT_LEVEL = 0.10  # two-sided: 有效 when p < 0.10 and the lift is positive
POWER = 0.80

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
    stratum: str | None = None  # the dimension the slices were compared within (core.retro.strata)
    # other campaigns on the same slice over some of its days: the lift measured is theirs together
    overlapping_campaigns: list[str] = []
    placebo_windows: int = 0
    fit_days: int | None = None  # the fit window kept (FIT_CHOICES, else SHORT_FIT_DAYS)
    placebo_spread: float | None = None  # 边现: the spread of its placebo errors (log units)
    placebos_overlap_campaigns: bool = False  # too few clean windows: some overlap other campaigns
    # too few windows of its own: the controls, measured as if treated, calibrate the interval too
    placebos_in_space: bool = False
    # every control ran a campaign of its own in the window (those days are left out of it)
    controls_have_campaigns: bool = False
    placebo_false_positive_rate: float | None = None  # placebos the verdict would have called effective
    # 边现: the controls' unusual disagreement over the campaign (log units), in the interval
    control_disagreement: float = 0.0
    metrics: dict[str, MetricLift] = {}
    daily: list[tuple[dt.date, float, float]] = []  # (date, actual 边现, counterfactual 边现)


def campaign_lift(
    treated: pd.DataFrame,
    controls: Mapping[str, pd.DataFrame],
    start: dt.date,
    end: dt.date,
    *,
    blocked: Sequence[tuple[dt.date, dt.date]] = (),
    control_blocked: Mapping[str, Sequence[tuple[dt.date, dt.date]]] | None = None,
    fit_days: int | None = None,
    strata: Strata = (),
) -> CounterfactualLift:
    """The campaign's lift on ``treated`` over ``start``–``end`` against the ``controls``.

    Frames: one row per day (a ``DatetimeIndex``), the measure sums as columns (``dau``, ``revenue``,
    ``new_members``, ``renew_members``). ``blocked``: other campaigns' periods on the slice (no fit day or
    placebo window may touch them); ``control_blocked``: each control's own campaign periods (left out of
    that control). ``strata``: the same slices split by one other dimension's values, ``(treated, controls)``
    per value, summing to the whole — each control then predicts the treated slice value by value.
    ``fit_days``: the fit window's length; by default each of ``FIT_CHOICES`` is tried and the one whose
    placebo errors on 边现 spread least is kept — a slice whose relation to its controls holds gains from a
    longer fit, one that drifts from them from a shorter — and its placebos calibrate the interval."""
    length = (end - start).days + 1
    if length < MIN_DAYS:
        return CounterfactualLift(
            start=start, end=end, controls=[], verdict="undetermined", reason="too_short"
        )
    own = [(start, end)]  # the campaign's own days: in no fit window and no placebo window
    slices = make_slices(treated, controls, [*blocked, *own], control_blocked or {}, strata)
    tried = [_fit(slices, start, end, blocked, f) for f in ((fit_days,) if fit_days else FIT_CHOICES)]
    fits = [f for f in tried if isinstance(f, _Fit)]
    if not fits and fit_days is None and tried[0].reason == "short_history":  # type: ignore[union-attr]
        short = _fit(slices, start, end, blocked, SHORT_FIT_DAYS)
        fits = [short] if isinstance(short, _Fit) else []
    if not fits:
        return tried[0]  # type: ignore[return-value]
    best, errors = select_fit([f.placebos for f in fits])
    return _measured(slices, fits[best], errors)


@dataclass(frozen=True)
class _Fit:
    """The estimate with one fit window, before its interval: the result so far, the controls kept, the
    log lifts, the counterfactual's days and the placebo windows."""

    result: CounterfactualLift
    chosen: list[str]
    lifts: dict[str, float]
    expected: np.ndarray
    placebos: list[Placebo]


def _fit(
    slices: Slices, start: dt.date, end: dt.date, blocked: Sequence[tuple[dt.date, dt.date]], fit_days: int
) -> _Fit | CounterfactualLift:
    """The estimate with a fit window of ``fit_days``, or the undetermined result that says why not."""
    length = (end - start).days + 1
    empty = CounterfactualLift(start=start, end=end, controls=[], verdict="undetermined", fit_days=fit_days)
    if len(fit_window(slices, start, fit_days)) < fit_days // 2:
        return empty.model_copy(update={"reason": "short_history"})
    chosen = choose_controls(slices, start, fit_days)
    if not chosen:
        return empty.model_copy(update={"reason": "no_controls"})
    expected = counterfactual(predictions(slices, chosen, start, end, fit_days))
    lifts = estimate(slices.arrays["treated"], slices.position(start), expected, length)
    if expected is None or lifts is None:
        return empty.model_copy(update={"controls": chosen, "reason": "no_controls"})
    placebos, overlapping, in_space = calibration(slices, chosen, start, length, fit_days, blocked)
    result = empty.model_copy(
        update={
            "controls": chosen,
            "placebo_windows": len(placebos),
            "placebos_overlap_campaigns": overlapping,
            "placebos_in_space": in_space,
            "controls_have_campaigns": all(slices.busy_between(name, start, end) for name in chosen),
        }
    )
    if len(placebos) < MIN_PLACEBOS:
        return result.model_copy(update={"reason": "short_history"})
    return _Fit(result, chosen, lifts, expected, placebos)


def _measured(slices: Slices, fit: _Fit, errors: Mapping[str, np.ndarray]) -> CounterfactualLift:
    """The lifts of ``fit`` with their intervals, p-values and verdict from the placebo ``errors``."""
    result, start, fit_days = fit.result, fit.result.start, fit.result.fit_days or 0
    length = (result.end - start).days + 1
    spread = {m: float(np.std(errors[m], ddof=1)) for m in LIFT_METRICS}
    result = result.model_copy(update={"placebo_windows": len(errors["arpu"])})
    if not math.isfinite(spread["arpu"]) or spread["arpu"] > MAX_SPREAD:
        return result.model_copy(update={"reason": "poor_fit"})
    days = rows(slices.arrays["treated"], slices.position(start), length)
    actual = sums(days[np.isfinite(days).all(axis=1)])
    disagreement = excess_disagreement(slices, fit.chosen, start, length, fit_days, fit.placebos)
    metrics = {m: _metric_lift(m, fit.lifts[m], errors[m], actual, disagreement[m]) for m in LIFT_METRICS}
    arpu = metrics["arpu"]
    effective = arpu.p_value < VERDICT_LEVEL and arpu.lift > 0
    return result.model_copy(
        update={
            "verdict": "effective" if effective else "no_effect",
            "placebo_spread": spread["arpu"],
            "mde": detectable_effect(spread["arpu"], len(errors["arpu"])),
            "placebo_false_positive_rate": _placebo_false_positives(errors["arpu"]),
            "control_disagreement": disagreement["arpu"],
            "metrics": metrics,
            "daily": _daily_arpu(slices, start, fit.expected),
        }
    )


class PlaceboSpread(BaseModel):
    """The estimator's noise for one slice and one length: what ``/abtest`` plans with."""

    controls: list[str]
    windows: int
    in_space: bool = False  # the controls, measured as if treated, calibrate it too (see the module)
    spread: dict[str, float]  # metric -> standard deviation of the placebo log lifts


def placebo_spreads(
    treated: pd.DataFrame,
    controls: Mapping[str, pd.DataFrame],
    launch: dt.date,
    lengths: Sequence[int],
    *,
    blocked: Sequence[tuple[dt.date, dt.date]] = (),
    control_blocked: Mapping[str, Sequence[tuple[dt.date, dt.date]]] | None = None,
    fit_days: int | None = None,
    strata: Strata = (),
) -> dict[int, PlaceboSpread]:
    """Per length, the placebo spread of a campaign of that many days launched on ``launch``, as
    :func:`campaign_lift` would calibrate it — with the fit window whose 边现 placebo errors spread least
    (lengths without enough windows are left out). One set of slices serves every length (the longest
    campaign's days are left out of them), so the fits are made once per fake launch."""
    if not lengths:
        return {}
    own = [(launch, launch + dt.timedelta(days=max(lengths) - 1))]
    slices = make_slices(treated, controls, [*blocked, *own], control_blocked or {}, strata)
    fits = [(fit, choose_controls(slices, launch, fit)) for fit in ((fit_days,) if fit_days else FIT_CHOICES)]
    out: dict[int, PlaceboSpread] = {}
    for length in lengths:
        candidates = []
        for fit, chosen in fits:
            placebos, _, in_space = (
                calibration(slices, chosen, launch, length, fit, blocked) if chosen else ([], False, False)
            )
            if len(placebos) >= MIN_PLACEBOS:
                candidates.append((chosen, in_space, placebos))
        if not candidates:
            continue
        best, errors = select_fit([placebos for _, _, placebos in candidates])
        chosen, in_space, _ = candidates[best]
        spread = {m: float(np.std(errors[m], ddof=1)) for m in LIFT_METRICS}
        out[length] = PlaceboSpread(
            controls=chosen, windows=len(errors["arpu"]), in_space=in_space, spread=spread
        )
    return out


def detectable_effect(spread: float, windows: int) -> float:
    """The smallest lift the verdict calls effective 80 % of the time, for a placebo spread (log units) from
    ``windows`` placebo windows: on the verdict's own scale (Student's t, ``n − 1`` degrees of freedom, the
    spread × √(1 + 1/n), as :func:`_metric_lift`)."""
    t = stats.t.ppf(1 - VERDICT_LEVEL / 2, windows - 1) + stats.t.ppf(POWER, windows - 1)
    return math.expm1(float(t) * _predictive_scale(spread, windows))


def _predictive_scale(spread: float, windows: int) -> float:
    """The spread of one more placebo-like draw when ``spread`` is estimated from ``windows`` windows."""
    return spread * math.sqrt(1 + 1 / windows)


# -- the interval ----------------------------------------------------------------------------------------


def _metric_lift(
    metric: str, log_lift: float, errors: np.ndarray, actual: Mapping[str, float], disagreement: float
) -> MetricLift:
    """The bias-corrected lift with its 80 % prediction interval from the placebo ``errors``: Student's t
    with ``n − 1`` degrees of freedom on the spread × √(1 + 1/n) — the interval for one more draw when the
    spread itself is estimated from only ``n`` windows — and the controls' unusual ``disagreement`` over the
    campaign's days in quadrature (:func:`_excess_disagreement`)."""
    corrected = log_lift - float(np.median(errors))
    n = len(errors)
    scale = math.hypot(_predictive_scale(float(np.std(errors, ddof=1)), n), disagreement)
    half = float(stats.t.ppf(0.5 + INTERVAL / 2, n - 1)) * scale
    p_value = float(2 * stats.t.sf(abs(corrected) / scale, n - 1)) if scale > 0 else 0.0
    value = metric_of(actual, metric)
    return MetricLift(
        metric=metric,
        actual=value,
        counterfactual=value / math.exp(corrected),
        lift=math.expm1(corrected),
        lift_low=math.expm1(corrected - half),
        lift_high=math.expm1(corrected + half),
        p_value=p_value,
    )


def _placebo_false_positives(errors: np.ndarray) -> float:
    """Share of placebo windows that the verdict would call effective, each judged against the others as
    :func:`_metric_lift` judges a campaign (p < ``VERDICT_LEVEL``, positive)."""
    hits = 0
    for i, error in enumerate(errors):
        rest = np.delete(errors, i)
        scale = _predictive_scale(float(np.std(rest, ddof=1)), len(rest))
        if scale > 0 and (error - float(np.median(rest))) / scale > stats.t.ppf(
            1 - VERDICT_LEVEL / 2, len(rest) - 1
        ):
            hits += 1
    return hits / len(errors)


def _daily_arpu(slices: Slices, start: dt.date, expected: np.ndarray) -> list[tuple[dt.date, float, float]]:
    """(date, actual 边现, counterfactual 边现) over the campaign's days."""
    actual = rows(slices.arrays["treated"], slices.position(start), len(expected))
    arpu, predicted = daily_metric(actual, "arpu"), daily_metric(expected, "arpu")
    return [
        (start + dt.timedelta(days=offset), float(a), float(c))
        for offset, (a, c) in enumerate(zip(arpu, predicted, strict=True))
        if math.isfinite(a) and math.isfinite(c) and c > 0
    ]


def incremental_revenue(lift: CounterfactualLift) -> dict[str, float] | None:
    """The revenue the campaign added over the counterfactual: estimate and the 80 % interval's ends."""
    revenue = lift.metrics.get("revenue")
    if revenue is None:
        return None

    def extra(fraction: float) -> float:
        return revenue.actual - revenue.actual / (1 + fraction)

    return {"estimate": extra(revenue.lift), "low": extra(revenue.lift_low), "high": extra(revenue.lift_high)}


def incremental_roi(lift: CounterfactualLift, cost: float | None) -> dict[str, float] | None:
    """ROI = incremental revenue / spend, the estimate and the 80 % interval's ends (None without a cost)."""
    extra = incremental_revenue(lift)
    if extra is None or not cost:
        return None
    return {end: value / cost for end, value in extra.items()}


__all__ = [
    "CounterfactualLift",
    "MetricLift",
    "PlaceboSpread",
    "campaign_lift",
    "detectable_effect",
    "incremental_revenue",
    "incremental_roi",
    "placebo_spreads",
]
