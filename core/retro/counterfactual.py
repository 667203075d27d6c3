"""What a campaign did, measured against what its slice would have done without it.

**Method: a synthetic control with a placebo-calibrated interval** (pure functions over daily sums).

* *Treated*: the campaign's target slice, daily sums of the measures. *Controls*: other slices (values of
  the same dimension, sharing no targeted value), each a daily series; a control's own campaign days are
  left out of it (``control_blocked``), so a control's campaign neither lifts nor lowers the counterfactual.
* *Fit* (per control, the last ``fit_days`` days before the launch on which neither the slice ran another
  campaign nor the control one of its own, looking back at most ``FIT_LOOKBACK`` windows: a previous
  campaign's days would fit its lift into the baseline): per measure, the gap ``log treated − log control``;
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
  day-to-day noise over their fit windows (the spread of the daily change of the metric's log) before it
  joins the slice's own windows; the result says so (``placebos_in_space``).

Why not a structural time-series model (CausalImpact, statsmodels' UnobservedComponents) first: its
intervals assume its own noise model, and a slice's noise is rarely that model — intervals calibrated on the
slice's own placebo windows mean what they say by construction, on any cube; the controls carry the
calendar. The price is history: it needs ``MIN_PLACEBOS`` windows around the campaign.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy import stats

FIT_DAYS = 28
MAX_CONTROLS = 6
CONTROL_SPREAD_FACTOR = 3.0
MIN_DAYS = 3
MIN_PLACEBOS = 6
SPACE_WINDOWS = 4  # per control measured as if treated, when the slice's own windows are too few
MAX_SPREAD = 0.5  # log units: a placebo spread beyond ±65 % means the pre-period does not fit
PLACEBO_STEP_DAYS = 7
FIT_LOOKBACK = 3  # the fit may reach this many fit windows back to skip other campaigns' days
INTERVAL = 0.80  # two-sided prediction interval
VERDICT_LEVEL = 0.10  # two-sided: 有效 when p < 0.10 and the lift is positive
POWER = 0.80
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
    stratum: str | None = None  # the dimension the slices were compared within (core.retro.strata)
    # other campaigns on the same slice over some of its days: the lift measured is theirs together
    overlapping_campaigns: list[str] = []
    placebo_windows: int = 0
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
    fit_days: int = FIT_DAYS,
    strata: Sequence[tuple[pd.DataFrame, Mapping[str, pd.DataFrame]]] = (),
) -> CounterfactualLift:
    """The campaign's lift on ``treated`` over ``start``–``end`` against the ``controls``.

    Frames: one row per day (a ``DatetimeIndex``), the measure sums as columns (``dau``, ``revenue``,
    ``new_members``, ``renew_members``). ``blocked``: other campaigns' periods on the slice (no fit day or
    placebo window may touch them); ``control_blocked``: each control's own campaign periods (left out of
    that control). ``strata``: the same slices split by one other dimension's values, ``(treated, controls)``
    per value, summing to the whole — each control then predicts the treated slice value by value."""
    length = (end - start).days + 1
    empty = CounterfactualLift(start=start, end=end, controls=[], verdict="undetermined")
    if length < MIN_DAYS:
        return empty.model_copy(update={"reason": "too_short"})
    own = [(start, end)]  # the campaign's own days: in no fit window and no placebo window
    slices = _slices(treated, controls, [*blocked, *own], control_blocked or {}, strata)
    fit = slices.clean.reindex(_fit_window(slices.clean, start, fit_days))
    if fit.notna().all(axis=1).sum() < fit_days // 2:
        return empty.model_copy(update={"reason": "short_history"})
    chosen = _choose_controls(slices, start, fit_days)
    if not chosen:
        return empty.model_copy(update={"reason": "no_controls"})
    counterfactual = _counterfactual(_predictions(slices, chosen, start, end, fit_days))
    estimate = _estimate(slices.treated, counterfactual, length)
    if counterfactual is None or estimate is None:
        return empty.model_copy(update={"controls": chosen, "reason": "no_controls"})
    placebos, overlapping = _calibration(slices, chosen, start, length, fit_days, blocked)
    in_space = len(placebos) < MIN_PLACEBOS
    if in_space:
        placebos = placebos + _space_placebos(slices, chosen, start, length, fit_days)
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
    errors = {m: np.array([p.lifts[m] for p in placebos]) for m in LIFT_METRICS}
    spread = {m: float(np.std(errors[m], ddof=1)) for m in LIFT_METRICS}
    if not math.isfinite(spread["arpu"]) or spread["arpu"] > MAX_SPREAD:
        return result.model_copy(update={"reason": "poor_fit"})
    actual = _sums(slices.treated, _observed_days(slices.treated, start, end))
    disagreement = _excess_disagreement(slices, chosen, start, length, fit_days, placebos)
    metrics = {m: _metric_lift(m, estimate[m], errors[m], actual, disagreement[m]) for m in LIFT_METRICS}
    arpu = metrics["arpu"]
    effective = arpu.p_value < VERDICT_LEVEL and arpu.lift > 0
    return result.model_copy(
        update={
            "verdict": "effective" if effective else "no_effect",
            "mde": detectable_effect(spread["arpu"], len(placebos)),
            "placebo_false_positive_rate": _placebo_false_positives(errors["arpu"]),
            "control_disagreement": disagreement["arpu"],
            "metrics": metrics,
            "daily": _daily_arpu(slices.treated, counterfactual),
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
    fit_days: int = FIT_DAYS,
    strata: Sequence[tuple[pd.DataFrame, Mapping[str, pd.DataFrame]]] = (),
) -> dict[int, PlaceboSpread]:
    """Per length, the placebo spread of a campaign of that many days launched on ``launch``, as
    :func:`campaign_lift` would calibrate it (lengths without enough windows are left out). One set of
    slices and controls serves every length (the longest campaign's days are left out of them), so the fits
    are made once per fake launch."""
    if not lengths:
        return {}
    own = [(launch, launch + dt.timedelta(days=max(lengths) - 1))]
    slices = _slices(treated, controls, [*blocked, *own], control_blocked or {}, strata)
    chosen = _choose_controls(slices, launch, fit_days)
    if not chosen:
        return {}
    out = {}
    for length in lengths:
        placebos, _ = _calibration(slices, chosen, launch, length, fit_days, blocked)
        in_space = len(placebos) < MIN_PLACEBOS
        if in_space:
            placebos = placebos + _space_placebos(slices, chosen, launch, length, fit_days)
        if len(placebos) >= MIN_PLACEBOS:
            spread = {m: float(np.std([p.lifts[m] for p in placebos], ddof=1)) for m in LIFT_METRICS}
            out[length] = PlaceboSpread(
                controls=chosen, windows=len(placebos), in_space=in_space, spread=spread
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


# -- the slices ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slices:
    """The base measures of the treated slice and its controls on one daily index."""

    treated: pd.DataFrame  # every day, the campaign's own and its neighbours' included
    clean: pd.DataFrame  # the treated slice with its other campaigns' days left out (NaN): fits, placebos
    controls: dict[str, pd.DataFrame]  # each with its own campaigns' days left out (NaN)
    busy: dict[str, pd.Series]  # per control: True on its own campaigns' days
    strata: tuple[_Slices, ...] = ()  # the same, per value of the stratum dimension (core.retro.strata)
    # per (control, first day, last day, fit days): its prediction (None: it cannot fit)
    predictions: dict[tuple[str, dt.date, dt.date, int], pd.DataFrame | None] = field(
        default_factory=dict, compare=False
    )
    # per (control, from the whole slices, launch, fit days): its median pre-period ratios (None: no fit)
    ratios: dict[tuple[str, bool, dt.date, int], dict[str, float] | None] = field(
        default_factory=dict, compare=False
    )

    def busy_between(self, name: str, start: dt.date, end: dt.date) -> bool:
        return bool(self.busy[name].loc[pd.Timestamp(start) : pd.Timestamp(end)].any())

    def as_treated(self, name: str) -> _Slices:
        """The control ``name`` as the treated slice, the other controls as its controls (its own campaigns'
        days stay left out; with strata, its part in the treated slice's stratum values)."""
        strata = tuple(s.as_treated(name) for s in self.strata)
        own = sum(s.clean for s in strata) if strata else self.controls[name]
        return _Slices(
            treated=own,  # type: ignore[arg-type]
            clean=own,  # type: ignore[arg-type]
            controls={other: frame for other, frame in self.controls.items() if other != name},
            busy={other: days for other, days in self.busy.items() if other != name},
            strata=strata,
        )


def _slices(
    treated: pd.DataFrame,
    controls: Mapping[str, pd.DataFrame],
    blocked: Sequence[tuple[dt.date, dt.date]],
    control_blocked: Mapping[str, Sequence[tuple[dt.date, dt.date]]],
    strata: Sequence[tuple[pd.DataFrame, Mapping[str, pd.DataFrame]]] = (),
) -> _Slices:
    base = _bases(treated)
    bases = {name: _bases(frame).reindex(base.index) for name, frame in controls.items()}
    busy = {name: _days_in(base.index, control_blocked.get(name, ())) for name in bases}
    return _Slices(
        treated=base,
        clean=base.mask(_days_in(base.index, blocked), axis=0),
        controls={name: frame.mask(busy[name], axis=0) for name, frame in bases.items()},
        busy=busy,
        strata=tuple(_slices(t, c, blocked, control_blocked) for t, c in strata),
    )


def _bases(frame: pd.DataFrame) -> pd.DataFrame:
    """The base measures (dau, revenue, members) as a float frame on a consecutive daily index."""
    index = pd.date_range(frame.index.min(), frame.index.max(), freq="D")
    out = pd.DataFrame(index=index)
    for base, columns in BASE_MEASURES.items():
        out[base] = sum(frame[c] for c in columns).reindex(index).astype(float)
    return out


def _days_in(index: pd.DatetimeIndex, periods: Sequence[tuple[dt.date, dt.date]]) -> pd.Series:
    inside = np.zeros(len(index), dtype=bool)
    for first, last in periods:
        inside |= (index >= pd.Timestamp(first)) & (index <= pd.Timestamp(last))
    return pd.Series(inside, index=index)


def _fit_window(
    treated: pd.DataFrame, start: dt.date, fit_days: int, control: pd.DataFrame | None = None
) -> pd.DatetimeIndex:
    """The last ``fit_days`` days before the launch on which the treated slice ran no other campaign (and
    ``control``, when given, none of its own), looking back at most ``FIT_LOOKBACK`` × ``fit_days``."""
    launch = pd.Timestamp(start)
    index = treated.index
    free = (index < launch) & (index >= launch - pd.Timedelta(days=FIT_LOOKBACK * fit_days))
    free &= treated.notna().all(axis=1).to_numpy()
    if control is not None:
        free &= control.reindex(index).notna().all(axis=1).to_numpy()
    return index[free][-fit_days:]


def _choose_controls(slices: _Slices, start: dt.date, fit_days: int) -> list[str]:
    """The controls whose pre-period gap to the treated slice is steadiest (see the module docstring)."""
    spreads = {}
    for name, control in slices.controls.items():
        window = _fit_window(slices.clean, start, fit_days, control)
        gaps = [_gap(slices.clean[b], control[b], window) for b in ("dau", "revenue")]
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


# -- the estimate ----------------------------------------------------------------------------------------


def _predictions(
    slices: _Slices, chosen: Sequence[str], start: dt.date, end: dt.date, fit_days: int
) -> dict[str, pd.DataFrame]:
    """Per control, its prediction of the treated slice's daily sums over ``start``–``end`` (NaN on its own
    campaigns' days; left out when it cannot fit): :func:`_ratio_prediction`, or with strata the sum over
    them of :func:`_stratum_prediction`. Kept per window: the jackknife asks again with fewer controls."""
    out = {}
    for name in chosen:
        key = (name, start, end, fit_days)
        if key not in slices.predictions:
            if slices.strata:
                parts = [_stratum_prediction(s, slices, name, start, end, fit_days) for s in slices.strata]
                slices.predictions[key] = None if any(p is None for p in parts) else sum(parts)  # type: ignore[assignment]
            else:
                slices.predictions[key] = _ratio_prediction(slices, name, start, end, fit_days)
        if slices.predictions[key] is not None:
            out[name] = slices.predictions[key]  # type: ignore[assignment]
    return out


def _ratio_prediction(
    slices: _Slices,
    name: str,
    start: dt.date,
    end: dt.date,
    fit_days: int,
    whole: _Slices | None = None,
) -> pd.DataFrame | None:
    """The control's daily sums over ``start``–``end`` times its median pre-period ratio to ``slices.clean``
    (None when fewer than half of ``fit_days`` fit days have both); the control taken from ``whole`` when
    given (a stratum predicted by the control's whole slice). The ratios are kept per launch: every length
    launched that day fits the same days."""
    control = (whole or slices).controls.get(name)
    if control is None:
        return None
    key = (name, whole is not None, start, fit_days)
    if key not in slices.ratios:
        slices.ratios[key] = _fit_ratios(slices.clean, control, start, fit_days)
    ratios = slices.ratios[key]
    if ratios is None:
        return None
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    return pd.DataFrame({b: control[b].reindex(days) * r for b, r in ratios.items()}, index=days)


def _fit_ratios(
    clean: pd.DataFrame, control: pd.DataFrame, start: dt.date, fit_days: int
) -> dict[str, float] | None:
    """Per base measure, the median ratio of ``clean`` to ``control`` over their fit window before ``start``
    (None when fewer than half of ``fit_days`` days have both)."""
    window = _fit_window(clean, start, fit_days, control)
    gaps = {base: _gap(clean[base], control[base], window) for base in BASE_MEASURES}
    if not all(gap is not None and len(gap) >= fit_days // 2 for gap in gaps.values()):
        return None
    return {base: math.exp(float(np.median(gap))) for base, gap in gaps.items()}  # type: ignore[arg-type]


def _stratum_prediction(
    stratum: _Slices, whole: _Slices, name: str, start: dt.date, end: dt.date, fit_days: int
) -> pd.DataFrame | None:
    """One stratum of the treated slice predicted by the same stratum of the control — a shock on the
    stratum's value hits both alike. A stratum the treated slice has no DAU in before the launch predicts 0;
    one the control lacks is predicted by the control's whole (as without strata)."""
    if not (stratum.clean.reindex(_fit_window(stratum.clean, start, fit_days))["dau"] > 0).any():
        days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
        return pd.DataFrame(0.0, index=days, columns=list(BASE_MEASURES))
    within = _ratio_prediction(stratum, name, start, end, fit_days)
    if within is not None:
        return within
    return _ratio_prediction(stratum, name, start, end, fit_days, whole=whole)


def _estimate(
    treated: pd.DataFrame, counterfactual: pd.DataFrame | None, length: int
) -> dict[str, float] | None:
    """log(actual / counterfactual) of each lift metric over the days both the slice and the counterfactual
    (:func:`_counterfactual`) have — at least half the period."""
    if counterfactual is None:
        return None
    observed = treated.reindex(counterfactual.index)
    days = counterfactual.index[observed.notna().all(axis=1) & counterfactual.notna().all(axis=1)]
    if len(days) < max(MIN_DAYS, (length + 1) // 2):
        return None
    return _log_lifts(_sums(treated, days), _sums(counterfactual, days))


def _counterfactual(predictions: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    """Per day and measure, the median of the controls' predictions on that day (a control busy with its
    own campaign has none): one control's own incident does not move it."""
    if not predictions:
        return None
    frames = list(predictions.values())
    return pd.DataFrame(
        {base: pd.concat([f[base] for f in frames], axis=1).median(axis=1) for base in BASE_MEASURES}
    )


def _observed_days(frame: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    rows = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    return rows.index[rows.notna().all(axis=1)]


def _sums(frame: pd.DataFrame, days: pd.DatetimeIndex) -> dict[str, float]:
    rows = frame.reindex(days)
    return {base: float(rows[base].sum()) for base in BASE_MEASURES}


def _metric_of(sums: Mapping[str, float], metric: str) -> float:
    if metric == "arpu":
        return sums["revenue"] / sums["dau"] if sums["dau"] > 0 else math.nan
    if metric == "conversion":
        return sums["members"] / sums["dau"] if sums["dau"] > 0 else math.nan
    return sums[metric]


def _log_lifts(actual: Mapping[str, float], expected: Mapping[str, float]) -> dict[str, float] | None:
    out = {}
    for metric in LIFT_METRICS:
        a, e = _metric_of(actual, metric), _metric_of(expected, metric)
        if not (a > 0 and e > 0):
            return None
        out[metric] = math.log(a / e)
    return out


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
    value = _metric_of(actual, metric)
    return MetricLift(
        metric=metric,
        actual=value,
        counterfactual=value / math.exp(corrected),
        lift=math.expm1(corrected),
        lift_low=math.expm1(corrected - half),
        lift_high=math.expm1(corrected + half),
        p_value=p_value,
    )


# -- the placebos ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Placebo:
    start: dt.date
    lifts: dict[str, float]  # the log "lift" of no campaign, per metric
    slices: _Slices  # the slices it was measured on (a control as treated, for placebos in space)
    controls: tuple[str, ...]
    length: int
    fit_days: int
    factors: Mapping[str, float] | None = None  # rescaled to the treated slice's noise (in space)

    def scaled(self, factors: Mapping[str, float]) -> _Placebo:
        lifts = {m: v * factors[m] for m, v in self.lifts.items()}
        return replace(self, lifts=lifts, factors=factors)

    def disagreement(self) -> dict[str, float] | None:
        """The controls' jackknife spread over the window, per metric, on the lifts' scale (None: fewer than
        two controls)."""
        spread = _control_disagreement(
            self.slices.clean, self.slices, self.controls, self.start, self.length, self.fit_days
        )
        if spread is None or self.factors is None:
            return spread
        return {m: v * self.factors[m] for m, v in spread.items()}


def _calibration(
    slices: _Slices,
    chosen: Sequence[str],
    start: dt.date,
    length: int,
    fit_days: int,
    blocked: Sequence[tuple[dt.date, dt.date]],
) -> tuple[list[_Placebo], bool]:
    """The placebo windows' log lifts, and whether they overlap other campaigns: windows touching neither
    the campaign (``start`` on, ``length`` days) nor ``blocked``; when fewer than ``MIN_PLACEBOS`` are
    clean, windows overlapping ``blocked`` too (those days left out)."""
    own = [(start, start + dt.timedelta(days=length - 1))]
    placebos = _placebos(slices, chosen, start, length, fit_days, [*blocked, *own])
    if len(placebos) >= MIN_PLACEBOS or not blocked:
        return placebos, False
    return _placebos(slices, chosen, start, length, fit_days, own), True


def _placebos(
    slices: _Slices,
    chosen: Sequence[str],
    start: dt.date,
    length: int,
    fit_days: int,
    avoid: Sequence[tuple[dt.date, dt.date]],
) -> list[_Placebo]:
    """The placebo windows' log lifts (windows touching ``avoid`` skipped; the slice's other campaigns'
    days are always left out of a window, so a window overlapping them measures the days around them)."""
    starts = _placebo_starts(slices.clean.index, start, length, fit_days, avoid)
    return _placebo_windows(slices, chosen, starts, length, fit_days)


def _placebo_windows(
    slices: _Slices, chosen: Sequence[str], starts: Sequence[dt.date], length: int, fit_days: int
) -> list[_Placebo]:
    """The estimate on ``slices.clean`` at each fake launch in ``starts`` (a window that cannot be estimated
    is left out)."""
    out = []
    for fake in starts:
        fake_end = fake + dt.timedelta(days=length - 1)
        counterfactual = _counterfactual(_predictions(slices, chosen, fake, fake_end, fit_days))
        lifts = _estimate(slices.clean, counterfactual, length)
        if lifts is not None:
            out.append(_Placebo(fake, lifts, slices, tuple(chosen), length, fit_days))
    return out


def _space_placebos(
    slices: _Slices, chosen: Sequence[str], start: dt.date, length: int, fit_days: int
) -> list[_Placebo]:
    """Placebos in space: each chosen control measured as if treated (:meth:`_Slices.as_treated`, its
    controls chosen as the slice's are) at the campaign's dates and its ``SPACE_WINDOWS`` nearest windows
    free of its own campaigns, the errors rescaled to the slice's noise (:func:`_daily_noise`)."""
    noise = _daily_noise(slices, chosen, start, fit_days)
    out: list[_Placebo] = []
    for name in chosen:
        pseudo = slices.as_treated(name)
        own = _periods(slices.busy[name])
        theirs = _choose_controls(pseudo, start, fit_days)
        pseudo_noise = _daily_noise(pseudo, theirs, start, fit_days)
        if not theirs or noise is None or pseudo_noise is None:
            continue
        factors = {m: noise[m] / pseudo_noise[m] if pseudo_noise[m] > 0 else 1.0 for m in LIFT_METRICS}
        candidates = [start, *_placebo_starts(pseudo.clean.index, start, length, fit_days, own)]
        clear = [day for day in candidates if not _touches(day, length, own)]
        nearest = sorted(clear, key=lambda day: (abs((day - start).days), day))[:SPACE_WINDOWS]
        windows = _placebo_windows(pseudo, theirs, sorted(nearest), length, fit_days)
        out += [placebo.scaled(factors) for placebo in windows]
    return out


def _daily_noise(
    slices: _Slices, chosen: Sequence[str], start: dt.date, fit_days: int
) -> dict[str, float] | None:
    """Per metric, the spread of the day-to-day change of the log gap between the slice and the median of
    its controls over its fit window: the slice's own noise once the calendar it shares with them is out,
    comparable between slices (None: no control fits)."""
    window = _fit_window(slices.clean, start, fit_days)
    fitted = []
    for name in chosen:
        control = slices.controls[name]
        ratios = _fit_ratios(slices.clean, control, start, fit_days)
        if ratios is not None:
            fitted.append(pd.DataFrame({b: control[b].reindex(window) * r for b, r in ratios.items()}))
    if not fitted:
        return None
    expected = pd.DataFrame(
        {b: pd.concat([f[b] for f in fitted], axis=1).median(axis=1) for b in BASE_MEASURES}
    )
    actual = slices.clean.reindex(window)
    out = {}
    for metric in LIFT_METRICS:
        gaps = np.log(_daily_metric(actual, metric) / _daily_metric(expected, metric)).to_numpy(dtype=float)
        changes = np.diff(gaps[np.isfinite(gaps)])
        out[metric] = float(np.std(changes, ddof=1)) if len(changes) >= 2 else 0.0
    return out


def _daily_metric(frame: pd.DataFrame, metric: str) -> pd.Series:
    """The metric of each day of a frame of base measures (NaN where it has no DAU)."""
    dau = frame["dau"].where(frame["dau"] > 0)
    if metric == "arpu":
        return frame["revenue"] / dau
    if metric == "conversion":
        return frame["members"] / dau
    return frame[metric].where(frame[metric] > 0)


def _periods(busy: pd.Series) -> list[tuple[dt.date, dt.date]]:
    """The runs of True days in ``busy`` as (first, last) periods."""
    days = busy.index[busy.to_numpy(dtype=bool)]
    out: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if out and (day.date() - out[-1][1]).days == 1:
            out[-1] = (out[-1][0], day.date())
        else:
            out.append((day.date(), day.date()))
    return out


def _touches(first: dt.date, length: int, periods: Sequence[tuple[dt.date, dt.date]]) -> bool:
    last = first + dt.timedelta(days=length - 1)
    return any(first <= p_end and p_start <= last for p_start, p_end in periods)


def _placebo_starts(
    index: pd.DatetimeIndex,
    start: dt.date,
    length: int,
    fit_days: int,
    blocked: Sequence[tuple[dt.date, dt.date]],
) -> list[dt.date]:
    """Fake launch dates on the campaign's weekday, before and after it (a retro after the fact has both),
    each with a full fit window before it and all of its days in the data, none touching ``blocked``."""
    first, last = index.min().date(), index.max().date()
    step = dt.timedelta(days=PLACEBO_STEP_DAYS)
    out = []
    for direction in (-1, 1):
        fake = start + direction * step
        while first + dt.timedelta(days=fit_days) <= fake <= last:
            fake_end = fake + dt.timedelta(days=length - 1)
            clear = not any(fake <= b_end and b_start <= fake_end for b_start, b_end in blocked)
            if clear and fake_end <= last:
                out.append(fake)
            fake += direction * step
    return sorted(out)


def _excess_disagreement(
    slices: _Slices,
    chosen: Sequence[str],
    start: dt.date,
    length: int,
    fit_days: int,
    placebos: Sequence[_Placebo],
) -> dict[str, float]:
    """Per metric, how much more the controls disagree over the campaign's days than over the placebo
    windows: ``√max(0, d² − median(dₚ²))`` with ``d`` the jackknife spread of the lift over the campaign
    (:func:`_control_disagreement`) and ``dₚ`` the same over each placebo window — the usual disagreement is
    already in the placebos' errors. Fewer than two controls: nothing to compare, 0."""
    window = _control_disagreement(slices.treated, slices, chosen, start, length, fit_days)
    if window is None:
        return dict.fromkeys(LIFT_METRICS, 0.0)
    usual = [spread for placebo in placebos if (spread := placebo.disagreement()) is not None]
    return {
        m: math.sqrt(
            max(0.0, window[m] ** 2 - (float(np.median([u[m] ** 2 for u in usual])) if usual else 0.0))
        )
        for m in LIFT_METRICS
    }


def _control_disagreement(
    treated: pd.DataFrame, slices: _Slices, chosen: Sequence[str], start: dt.date, length: int, fit_days: int
) -> dict[str, float] | None:
    """The jackknife standard error of each log lift over the controls: the estimate again with each chosen
    control left out, ``√((n − 1)/n · Σ (θᵢ − θ̄)²)`` (None with fewer than two such estimates)."""
    end = start + dt.timedelta(days=length - 1)
    estimates = []
    for left_out in chosen:
        rest = [name for name in chosen if name != left_out]
        estimate = _estimate(
            treated, _counterfactual(_predictions(slices, rest, start, end, fit_days)), length
        )
        if estimate is not None:
            estimates.append(estimate)
    n = len(estimates)
    if n < 2:
        return None
    spreads = {}
    for metric in LIFT_METRICS:
        values = np.array([e[metric] for e in estimates])
        spreads[metric] = math.sqrt((n - 1) / n * float(((values - values.mean()) ** 2).sum()))
    return spreads


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


def _daily_arpu(treated: pd.DataFrame, counterfactual: pd.DataFrame) -> list[tuple[dt.date, float, float]]:
    """(date, actual 边现, counterfactual 边现)."""
    actual = treated.reindex(counterfactual.index)
    arpu, predicted = actual["revenue"] / actual["dau"], counterfactual["revenue"] / counterfactual["dau"]
    return [
        (day.date(), float(a), float(c))
        for day, a, c in zip(counterfactual.index, arpu, predicted, strict=True)
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


__all__ = [
    "CounterfactualLift",
    "MetricLift",
    "PlaceboSpread",
    "campaign_lift",
    "detectable_effect",
    "incremental_revenue",
    "placebo_spreads",
]
