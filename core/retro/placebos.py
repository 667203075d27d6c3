"""The placebo windows that calibrate a retro's interval (``core.retro.counterfactual``): fake launches in the
slice's own history, placebos in space (its controls measured as if treated) when those are too few, and the
controls' disagreement over a window."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.retro.slices import (
    LIFT_METRICS,
    Slices,
    choose_controls,
    counterfactual,
    daily_metric,
    estimate,
    fit_ratios,
    fit_window,
    predictions,
)

MIN_PLACEBOS = 6
SPACE_WINDOWS = 4  # per control measured as if treated, when the slice's own windows are too few
PLACEBO_STEP_DAYS = 7


@dataclass(frozen=True)
class Placebo:
    start: dt.date
    lifts: dict[str, float]  # the log "lift" of no campaign, per metric
    slices: Slices  # the slices it was measured on (a control as treated, for placebos in space)
    controls: tuple[str, ...]
    length: int
    fit_days: int
    factors: Mapping[str, float] | None = None  # rescaled to the treated slice's noise (in space)
    source: str = ""  # the control measured as if treated (placebos in space); "" for the slice's own

    @property
    def key(self) -> tuple[str, dt.date]:
        """The window's identity across fits: whose window, launched when."""
        return self.source, self.start

    def scaled(self, factors: Mapping[str, float], source: str) -> Placebo:
        lifts = {m: v * factors[m] for m, v in self.lifts.items()}
        return replace(self, lifts=lifts, factors=factors, source=source)

    def disagreement(self) -> dict[str, float] | None:
        """The controls' jackknife spread over the window, per metric, on the lifts' scale (None: fewer than
        two controls)."""
        spread = control_disagreement(
            "clean", self.slices, self.controls, self.start, self.length, self.fit_days
        )
        if spread is None or self.factors is None:
            return spread
        return {m: v * self.factors[m] for m, v in spread.items()}


def calibration(
    slices: Slices,
    chosen: Sequence[str],
    start: dt.date,
    length: int,
    fit_days: int,
    blocked: Sequence[tuple[dt.date, dt.date]],
) -> tuple[list[Placebo], bool, bool]:
    """The placebo windows, whether they overlap other campaigns and whether they are in space: windows
    touching neither the campaign (``start`` on, ``length`` days) nor ``blocked``; when fewer than
    ``MIN_PLACEBOS`` are clean, windows overlapping ``blocked`` too (those days left out); when still fewer,
    placebos in space beside them (:func:`space_placebos`)."""
    own = [(start, start + dt.timedelta(days=length - 1))]
    placebos = _placebos(slices, chosen, start, length, fit_days, [*blocked, *own])
    overlapping = len(placebos) < MIN_PLACEBOS and bool(blocked)
    if overlapping:
        placebos = _placebos(slices, chosen, start, length, fit_days, own)
    if len(placebos) >= MIN_PLACEBOS:
        return placebos, overlapping, False
    return placebos + space_placebos(slices, chosen, start, length, fit_days), overlapping, True


def select_fit(candidates: Sequence[Sequence[Placebo]]) -> tuple[int, dict[str, np.ndarray]]:
    """Of the placebo windows of each candidate fit, the candidate whose 边现 errors spread least, and the
    errors that calibrate it: those of the whole procedure, choice included — on the windows every candidate
    has, each window's error under the candidate chosen on the *other* windows (leave-one-out), so the
    interval does not inherit the optimism of picking the smallest spread. With one candidate, or too few
    windows in common, its own errors."""
    spreads = [float(np.std([p.lifts["arpu"] for p in c], ddof=1)) for c in candidates]
    best = int(np.argmin(spreads))
    own = {m: np.array([p.lifts[m] for p in candidates[best]]) for m in LIFT_METRICS}
    keyed = [{p.key: p for p in c} for c in candidates]
    common = sorted(set.intersection(*(set(k) for k in keyed)))
    if len(candidates) == 1 or len(common) <= MIN_PLACEBOS:
        return best, own
    arpu = [np.array([k[key].lifts["arpu"] for key in common]) for k in keyed]
    errors: dict[str, list[float]] = {m: [] for m in LIFT_METRICS}
    for i, key in enumerate(common):
        pick = int(np.argmin([np.std(np.delete(a, i), ddof=1) for a in arpu]))
        for m in LIFT_METRICS:
            errors[m].append(keyed[pick][key].lifts[m])
    return best, {m: np.array(v) for m, v in errors.items()}


def _placebos(
    slices: Slices,
    chosen: Sequence[str],
    start: dt.date,
    length: int,
    fit_days: int,
    avoid: Sequence[tuple[dt.date, dt.date]],
) -> list[Placebo]:
    """The placebo windows' log lifts (windows touching ``avoid`` skipped; the slice's other campaigns'
    days are always left out of a window, so a window overlapping them measures the days around them)."""
    starts = placebo_starts(slices.clean.index, start, length, fit_days, avoid)
    return _windows(slices, chosen, starts, length, fit_days)


def _windows(
    slices: Slices, chosen: Sequence[str], starts: Sequence[dt.date], length: int, fit_days: int
) -> list[Placebo]:
    """The estimate on the slice's clean series at each fake launch in ``starts`` (a window that cannot be
    estimated is left out)."""
    out = []
    for fake in starts:
        fake_end = fake + dt.timedelta(days=length - 1)
        expected = counterfactual(predictions(slices, chosen, fake, fake_end, fit_days))
        lifts = estimate(slices.arrays["clean"], slices.position(fake), expected, length)
        if lifts is not None:
            out.append(Placebo(fake, lifts, slices, tuple(chosen), length, fit_days))
    return out


def space_placebos(
    slices: Slices, chosen: Sequence[str], start: dt.date, length: int, fit_days: int
) -> list[Placebo]:
    """Placebos in space: each chosen control measured as if treated (:meth:`Slices.as_treated`, its
    controls chosen as the slice's are) at the campaign's dates and its ``SPACE_WINDOWS`` nearest windows
    free of its own campaigns, the errors rescaled to the slice's noise (:func:`daily_noise`)."""
    noise = daily_noise(slices, chosen, start, fit_days)
    out: list[Placebo] = []
    for name in chosen:
        pseudo = slices.as_treated(name)
        own = _periods(slices.busy[name])
        theirs = choose_controls(pseudo, start, fit_days)
        pseudo_noise = daily_noise(pseudo, theirs, start, fit_days)
        if not theirs or noise is None or pseudo_noise is None:
            continue
        factors = {m: noise[m] / pseudo_noise[m] if pseudo_noise[m] > 0 else 1.0 for m in LIFT_METRICS}
        candidates = [start, *placebo_starts(pseudo.clean.index, start, length, fit_days, own)]
        clear = [day for day in candidates if not _touches(day, length, own)]
        nearest = sorted(clear, key=lambda day: (abs((day - start).days), day))[:SPACE_WINDOWS]
        out += [p.scaled(factors, name) for p in _windows(pseudo, theirs, sorted(nearest), length, fit_days)]
    return out


def daily_noise(
    slices: Slices, chosen: Sequence[str], start: dt.date, fit_days: int
) -> dict[str, float] | None:
    """Per metric, the spread of the day-to-day change of the log gap between the slice and the median of
    its controls over its fit window: the slice's own noise once the calendar it shares with them is out,
    comparable between slices (None: no control fits)."""
    window = fit_window(slices, start, fit_days)
    fitted = []
    for name in chosen:
        key = f"control:{name}"
        ratios = fit_ratios(slices, key, start, fit_days)
        if ratios is not None:
            fitted.append(slices.arrays[key][window] * ratios)
    expected = counterfactual(fitted)
    if expected is None:
        return None
    actual = slices.arrays["clean"][window]
    out = {}
    for metric in LIFT_METRICS:
        with np.errstate(divide="ignore", invalid="ignore"):
            gaps = np.log(daily_metric(actual, metric) / daily_metric(expected, metric))
        changes = np.diff(gaps[np.isfinite(gaps)])
        out[metric] = float(np.std(changes, ddof=1)) if len(changes) >= 2 else 0.0
    return out


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


def placebo_starts(
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
            if not _touches(fake, length, blocked) and fake_end <= last:
                out.append(fake)
            fake += direction * step
    return sorted(out)


def excess_disagreement(
    slices: Slices,
    chosen: Sequence[str],
    start: dt.date,
    length: int,
    fit_days: int,
    placebos: Sequence[Placebo],
) -> dict[str, float]:
    """Per metric, how much more the controls disagree over the campaign's days than over the placebo
    windows: ``√max(0, d² − median(dₚ²))`` with ``d`` the jackknife spread of the lift over the campaign
    (:func:`control_disagreement`) and ``dₚ`` the same over each placebo window — the usual disagreement is
    already in the placebos' errors. Fewer than two controls: nothing to compare, 0."""
    window = control_disagreement("treated", slices, chosen, start, length, fit_days)
    if window is None:
        return dict.fromkeys(LIFT_METRICS, 0.0)
    usual = [spread for placebo in placebos if (spread := placebo.disagreement()) is not None]
    return {
        m: math.sqrt(
            max(0.0, window[m] ** 2 - (float(np.median([u[m] ** 2 for u in usual])) if usual else 0.0))
        )
        for m in LIFT_METRICS
    }


def control_disagreement(
    series: str, slices: Slices, chosen: Sequence[str], start: dt.date, length: int, fit_days: int
) -> dict[str, float] | None:
    """The jackknife standard error of each log lift of the slice's ``series`` (``treated`` or ``clean``)
    over the controls: the estimate again with each chosen control left out, ``√((n − 1)/n · Σ (θᵢ − θ̄)²)``
    (None with fewer than two such estimates)."""
    end = start + dt.timedelta(days=length - 1)
    estimates = []
    for left_out in chosen:
        rest = [name for name in chosen if name != left_out]
        expected = counterfactual(predictions(slices, rest, start, end, fit_days))
        lifts = estimate(slices.arrays[series], slices.position(start), expected, length)
        if lifts is not None:
            estimates.append(lifts)
    n = len(estimates)
    if n < 2:
        return None
    spreads = {}
    for metric in LIFT_METRICS:
        values = np.array([e[metric] for e in estimates])
        spreads[metric] = math.sqrt((n - 1) / n * float(((values - values.mean()) ** 2).sum()))
    return spreads


__all__ = ["MIN_PLACEBOS", "Placebo", "calibration", "excess_disagreement", "select_fit"]
