"""The synthetic control's parts (``core.retro.counterfactual``): the slices as arrays, the fit, the controls'
predictions and the estimate over a window.

Every frame of one :class:`Slices` lies on one consecutive daily index, so a day is a row position and the
estimator works on numpy arrays (rows: days, columns: :data:`BASES`); the estimator asks the same fits and
windows many times (placebo windows, the jackknife, every length of a plan), so fits and predictions are kept.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_CONTROLS = 6
CONTROL_SPREAD_FACTOR = 3.0
FIT_LOOKBACK_DAYS = 84  # the fit may reach this far back before the launch to skip other campaigns' days
MIN_DAYS = 3
LIFT_METRICS: tuple[str, ...] = ("arpu", "revenue", "dau", "conversion")
BASE_MEASURES: dict[str, tuple[str, ...]] = {
    "dau": ("dau",),
    "revenue": ("revenue",),
    "members": ("new_members", "renew_members"),
}
BASES: tuple[str, ...] = tuple(BASE_MEASURES)
_DAU, _REVENUE, _MEMBERS = range(3)

Strata = Sequence[tuple[pd.DataFrame, Mapping[str, pd.DataFrame]]]


@dataclass(frozen=True)
class Slices:
    """The base measures of the treated slice and its controls on one daily index."""

    treated: pd.DataFrame  # every day, the campaign's own and its neighbours' included
    clean: pd.DataFrame  # the treated slice with its other campaigns' days left out (NaN): fits, placebos
    controls: dict[str, pd.DataFrame]  # each with its own campaigns' days left out (NaN)
    busy: dict[str, pd.Series]  # per control: True on its own campaigns' days
    strata: tuple[Slices, ...] = ()  # the same, per value of the stratum dimension (core.retro.strata)
    # a stratum's: each control's whole slice (own campaigns' days left out), for a value it lacks
    whole: dict[str, pd.DataFrame] = field(default_factory=dict)
    # the same as arrays (rows: the index's days, columns: BASES) and their fully observed days
    arrays: dict[str, np.ndarray] = field(init=False, compare=False)
    observed: dict[str, np.ndarray] = field(init=False, compare=False)
    # per (control, first day, last day, fit days): its prediction (None: it cannot fit)
    predictions: dict[tuple[str, dt.date, dt.date, int], np.ndarray | None] = field(
        default_factory=dict, compare=False
    )
    # per (control, from its whole slice, launch, fit days): its median pre-period ratios (None: no fit)
    ratios: dict[tuple[str, bool, dt.date, int], np.ndarray | None] = field(
        default_factory=dict, compare=False
    )

    def __post_init__(self) -> None:
        frames = {"treated": self.treated, "clean": self.clean}
        frames |= {_control_key(name): frame for name, frame in self.controls.items()}
        frames |= {_control_key(name, whole=True): frame for name, frame in self.whole.items()}
        arrays = {key: frame[list(BASES)].to_numpy(dtype=float) for key, frame in frames.items()}
        object.__setattr__(self, "arrays", arrays)
        object.__setattr__(self, "observed", {key: np.isfinite(a).all(axis=1) for key, a in arrays.items()})

    @property
    def first_day(self) -> dt.date:
        return self.clean.index[0].date()

    def position(self, day: dt.date) -> int:
        return (day - self.first_day).days

    def busy_between(self, name: str, start: dt.date, end: dt.date) -> bool:
        return bool(self.busy[name].loc[pd.Timestamp(start) : pd.Timestamp(end)].any())

    def as_treated(self, name: str) -> Slices:
        """The control ``name`` as the treated slice, the other controls as its controls (its own campaigns'
        days stay left out; with strata, its part in the treated slice's stratum values)."""
        strata = tuple(s.as_treated(name) for s in self.strata)
        own = sum(s.clean for s in strata) if strata else self.controls[name]
        return Slices(
            treated=own,  # type: ignore[arg-type]
            clean=own,  # type: ignore[arg-type]
            controls={other: frame for other, frame in self.controls.items() if other != name},
            busy={other: days for other, days in self.busy.items() if other != name},
            strata=strata,
            whole={other: frame for other, frame in self.whole.items() if other != name},
        )


def _control_key(name: str, *, whole: bool = False) -> str:
    return f"{'whole' if whole else 'control'}:{name}"


def make_slices(
    treated: pd.DataFrame,
    controls: Mapping[str, pd.DataFrame],
    blocked: Sequence[tuple[dt.date, dt.date]],
    control_blocked: Mapping[str, Sequence[tuple[dt.date, dt.date]]],
    strata: Strata = (),
    whole: Mapping[str, pd.DataFrame] | None = None,
) -> Slices:
    """The slices of a campaign: ``blocked`` days left out of the treated slice's clean series, each
    control's ``control_blocked`` days out of it; ``strata`` made the same way, each with the whole
    controls beside it."""
    base = bases(treated)
    frames = {name: bases(frame).reindex(base.index) for name, frame in controls.items()}
    busy = {name: days_in(base.index, control_blocked.get(name, ())) for name in frames}
    masked = {name: frame.mask(busy[name], axis=0) for name, frame in frames.items()}
    return Slices(
        treated=base,
        clean=base.mask(days_in(base.index, blocked), axis=0),
        controls=masked,
        busy=busy,
        strata=tuple(make_slices(t, c, blocked, control_blocked, whole=masked) for t, c in strata),
        whole={name: frame.reindex(base.index) for name, frame in (whole or {}).items()},
    )


def bases(frame: pd.DataFrame) -> pd.DataFrame:
    """The base measures (dau, revenue, members) as a float frame on a consecutive daily index."""
    index = pd.date_range(frame.index.min(), frame.index.max(), freq="D")
    out = pd.DataFrame(index=index)
    for base, columns in BASE_MEASURES.items():
        out[base] = sum(frame[c] for c in columns).reindex(index).astype(float)
    return out


def days_in(index: pd.DatetimeIndex, periods: Sequence[tuple[dt.date, dt.date]]) -> pd.Series:
    inside = np.zeros(len(index), dtype=bool)
    for first, last in periods:
        inside |= (index >= pd.Timestamp(first)) & (index <= pd.Timestamp(last))
    return pd.Series(inside, index=index)


# -- the fit ---------------------------------------------------------------------------------------------


def fit_window(slices: Slices, start: dt.date, fit_days: int, control: str | None = None) -> np.ndarray:
    """The positions of the last ``fit_days`` days before the launch on which the treated slice ran no other
    campaign (and the array ``control``, when given, none of its own), looking back at most
    ``FIT_LOOKBACK_DAYS`` (a longer fit takes more of those days, it does not reach further back)."""
    launch = slices.position(start)
    first = max(0, launch - FIT_LOOKBACK_DAYS)
    last = min(launch, len(slices.clean))
    if last <= first:
        return np.zeros(0, dtype=int)
    free = slices.observed["clean"][first:last]
    if control is not None:
        free = free & slices.observed[control][first:last]
    return (np.flatnonzero(free) + first)[-fit_days:]


def choose_controls(slices: Slices, start: dt.date, fit_days: int) -> list[str]:
    """The controls whose pre-period gap to the treated slice is steadiest (smallest day-to-day spread of
    ``log treated − log control``, dau and revenue): at most ``MAX_CONTROLS``, each within
    ``CONTROL_SPREAD_FACTOR`` of the best."""
    clean = slices.arrays["clean"]
    spreads = {}
    for name in slices.controls:
        key = _control_key(name)
        window = fit_window(slices, start, fit_days, key)
        gaps = [_gap(clean[:, b], slices.arrays[key][:, b], window) for b in (_DAU, _REVENUE)]
        if all(g is not None and len(g) >= fit_days // 2 for g in gaps):
            spreads[name] = float(np.mean([np.std(np.diff(g)) for g in gaps]))  # type: ignore[arg-type]
    if not spreads:
        return []
    best = min(spreads.values())
    ranked = sorted((s, name) for name, s in spreads.items() if s <= CONTROL_SPREAD_FACTOR * best + 1e-12)
    return [name for _, name in ranked[:MAX_CONTROLS]]


def _gap(treated: np.ndarray, control: np.ndarray, window: np.ndarray) -> np.ndarray | None:
    t, c = treated[window], control[window]
    ok = np.isfinite(t) & np.isfinite(c) & (t > 0) & (c > 0)
    return np.log(t[ok]) - np.log(c[ok]) if ok.any() else None


def fit_ratios(slices: Slices, key: str, start: dt.date, fit_days: int) -> np.ndarray | None:
    """Per base measure, the median ratio of the treated slice's clean series to the array ``key`` over
    their fit window before ``start`` (None when fewer than half of ``fit_days`` days have both)."""
    window = fit_window(slices, start, fit_days, key)
    clean, control = slices.arrays["clean"], slices.arrays[key]
    gaps = [_gap(clean[:, b], control[:, b], window) for b in range(len(BASES))]
    if not all(gap is not None and len(gap) >= fit_days // 2 for gap in gaps):
        return None
    return np.exp([float(np.median(gap)) for gap in gaps])  # type: ignore[arg-type]


# -- the predictions and the estimate --------------------------------------------------------------------


def predictions(
    slices: Slices, chosen: Sequence[str], start: dt.date, end: dt.date, fit_days: int
) -> list[np.ndarray]:
    """Per control, its prediction of the treated slice's daily sums over ``start``–``end`` (rows: days; NaN
    on its own campaigns' days; left out when it cannot fit): :func:`_ratio_prediction`, or with strata the
    sum over them of :func:`_stratum_prediction`. Kept per window: the jackknife asks again with fewer
    controls."""
    out = []
    for name in chosen:
        key = (name, start, end, fit_days)
        if key not in slices.predictions:
            if slices.strata:
                parts = [_stratum_prediction(s, name, start, end, fit_days) for s in slices.strata]
                slices.predictions[key] = None if any(p is None for p in parts) else sum(parts)  # type: ignore[assignment]
            else:
                slices.predictions[key] = _ratio_prediction(slices, name, start, end, fit_days)
        prediction = slices.predictions[key]
        if prediction is not None:
            out.append(prediction)
    return out


def _ratio_prediction(
    slices: Slices, name: str, start: dt.date, end: dt.date, fit_days: int, *, whole: bool = False
) -> np.ndarray | None:
    """The control's daily sums over ``start``–``end`` times its median pre-period ratios to the treated
    slice (None when it cannot fit); its whole slice's when ``whole`` (a stratum predicted by the control's
    whole slice). The ratios are kept per launch: every length launched that day fits the same days."""
    key = _control_key(name, whole=whole)
    if key not in slices.arrays:
        return None
    fit = (name, whole, start, fit_days)
    if fit not in slices.ratios:
        slices.ratios[fit] = fit_ratios(slices, key, start, fit_days)
    ratios = slices.ratios[fit]
    if ratios is None:
        return None
    return rows(slices.arrays[key], slices.position(start), (end - start).days + 1) * ratios


def _stratum_prediction(
    stratum: Slices, name: str, start: dt.date, end: dt.date, fit_days: int
) -> np.ndarray | None:
    """One stratum of the treated slice predicted by the same stratum of the control — a shock on the
    stratum's value hits both alike. A stratum the treated slice has no DAU in before the launch predicts 0;
    one the control lacks is predicted by the control's whole (as without strata)."""
    window = fit_window(stratum, start, fit_days)
    if not (stratum.arrays["clean"][window, _DAU] > 0).any():
        return np.zeros(((end - start).days + 1, len(BASES)))
    within = _ratio_prediction(stratum, name, start, end, fit_days)
    if within is not None:
        return within
    return _ratio_prediction(stratum, name, start, end, fit_days, whole=True)


def rows(array: np.ndarray, first: int, length: int) -> np.ndarray:
    """``length`` rows of ``array`` from position ``first``, NaN where the array has none."""
    out = np.full((length, array.shape[1]), np.nan)
    low, high = max(first, 0), min(first + length, len(array))
    if high > low:
        out[low - first : high - first] = array[low:high]
    return out


def counterfactual(predictions: Sequence[np.ndarray]) -> np.ndarray | None:
    """Per day and measure, the median of the controls' predictions on that day (a control busy with its
    own campaign has none): one control's own incident does not move it."""
    if not predictions:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a day no control predicts stays NaN
        return np.nanmedian(np.stack(predictions), axis=0)


def estimate(
    treated: np.ndarray, first: int, expected: np.ndarray | None, length: int
) -> dict[str, float] | None:
    """log(actual / counterfactual) of each lift metric over the days from position ``first`` on that both
    the slice (``treated``) and the counterfactual (:func:`counterfactual`) have — at least half the
    period."""
    if expected is None:
        return None
    actual = rows(treated, first, len(expected))
    both = np.isfinite(actual).all(axis=1) & np.isfinite(expected).all(axis=1)
    if both.sum() < max(MIN_DAYS, (length + 1) // 2):
        return None
    return log_lifts(sums(actual[both]), sums(expected[both]))


def sums(array: np.ndarray) -> dict[str, float]:
    """The base measures summed over the rows of ``array`` (its missing days skipped)."""
    return {base: float(np.nansum(array[:, i])) for i, base in enumerate(BASES)}


def metric_of(sums: Mapping[str, float], metric: str) -> float:
    if metric == "arpu":
        return sums["revenue"] / sums["dau"] if sums["dau"] > 0 else math.nan
    if metric == "conversion":
        return sums["members"] / sums["dau"] if sums["dau"] > 0 else math.nan
    return sums[metric]


def daily_metric(array: np.ndarray, metric: str) -> np.ndarray:
    """The metric of each row of an array of base measures (NaN where it has no DAU)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        dau = np.where(array[:, _DAU] > 0, array[:, _DAU], np.nan)
        if metric == "arpu":
            return array[:, _REVENUE] / dau
        if metric == "conversion":
            return array[:, _MEMBERS] / dau
        column = array[:, BASES.index(metric)]
        return np.where(column > 0, column, np.nan)


def log_lifts(actual: Mapping[str, float], expected: Mapping[str, float]) -> dict[str, float] | None:
    out = {}
    for metric in LIFT_METRICS:
        a, e = metric_of(actual, metric), metric_of(expected, metric)
        if not (a > 0 and e > 0):
            return None
        out[metric] = math.log(a / e)
    return out
