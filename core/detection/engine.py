"""The scoring engine: calendar-adjusted robust baseline and a calibrated, multiple-testing adjusted score.

Input: a grid of positive values, one row per series and one column per consecutive day. Output, for every
cell at once: the expected value and alert band, the raw robust z and the calibrated score. Steps, all in
log space (so effects are multiplicative and a ratio metric's move splits into numerator and denominator
moves):

1. **Calendar**: subtract the day's calendar effect (weekday profile, holidays, 调休 working days, days
   around a break; see :mod:`core.detection.calendar_effects`). Adjusted days are comparable.
2. **Baseline**: median (robust, default) or mean of the last ``window`` *comparable* adjusted values
   before the day – public holidays are skipped, because their adjustment is the least certain; the day
   itself is never part of its own baseline. Local noise: 1.4826 * MAD (or the standard deviation).
   With ``exclude_anomalies_from_baseline``, a series with an unusual ordinary day (first-pass calibrated
   |z| >= ``baseline_exclude_z``), or one whose scope overlaps a scope that alerts that day, is scored
   again without those days in its baselines (which reach further back instead, up to
   ``BASELINE_REACH_DAYS`` comparable days): a multi-day incident does not become the normal, so its end
   is not announced as a new anomaly, and its later days are still compared with the days before it.
   The left-out days are recomputed from each pass's scores, up to ``EXCLUSION_PASSES`` times: a first
   pass sees only a shift's first days as unusual (a 7-day median follows a shift after 4 days).
3. **Noise scale**: the largest of (a) the local noise, (b) the series' own historical noise – 1.2533 *
   mean |prediction error| over the *ordinary* days among the ``calibration_days`` before, each error
   clipped at 4 local sigmas (a holiday's larger errors would otherwise blunt the scan for two months) –
   and (c) a relative floor (``min_relative_noise``, e.g. 1 %). A 7-day MAD is itself very noisy; taking
   the historical noise as a lower bound stops a quiet week from turning an ordinary wobble into a
   "6 sigma" event, while (a) still widens the band when the series is genuinely volatile. The floor
   keeps a flat series from alerting on a 0.3 % move. On a special day (holiday, 调休, around a break) the
   scale is multiplied by ``special_day_noise_factor``: its effect comes from a handful of earlier
   occurrences and varies between holidays. ``z_raw = error / scale``.
4. **Calibration**: divide by ``c = max(1, shrunk 1.2533 * mean |z_raw|)`` over the same history
   (|z_raw| clipped at 4, shrunk towards 1 with 7 pseudo-days): if the series' own z-scores have been
   over-dispersed (heavy tails, autocorrelation), they are scaled back to unit dispersion. ``c`` is never
   below 1 so calibration cannot undo the noise floor.
5. **Multiple testing**: the scan looks at ~130 series a day, so a per-series 1-in-1000 event happens
   every week. The calibrated z is turned into a two-sided p-value, Bonferroni-multiplied by the number of
   series scored that day (``family_size``) and mapped back to a normal quantile. The reported score is
   therefore "how unusual is this move given that we looked at all series today": under no anomaly,
   P(any |score| > 1.5 on a day) <= 13.4 %, i.e. < 1 false alert per week for the whole scan, and the
   thresholds 1.5 / 2.0 / 2.5 keep their usual meaning. The band (lower, upper) is the range of values
   whose score stays below the minor threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtri, ndtri_exp

from core.detection.calendar_effects import HOLIDAY, CalendarDays, calendar_effects
from core.detection.config import DetectionConfig
from core.detection.day_major import comparable_centre_spread, trailing_window_sums

MEAN_ABS_TO_SIGMA = 1.2533  # sqrt(pi / 2): mean |x| of a normal sample -> standard deviation
ERROR_CLIP_SIGMAS = 4.0
CALIBRATION_PRIOR_DAYS = 7.0
MIN_HISTORY_ERRORS = 7
CHUNK_ROWS = 1024
BASELINE_REACH_DAYS = 21  # how far past excluded days a second-pass baseline may reach back
EXCLUSION_PASSES = 3  # re-scorings without the unusual days, until the left-out days settle


@dataclass(frozen=True)
class GridScores:
    """Per series x day: all arrays share the grid's shape; NaN where a cell cannot be scored."""

    expected: np.ndarray  # baseline forecast in the original units, calendar effect included
    lower: np.ndarray
    upper: np.ndarray
    log_error: np.ndarray  # log(value) - log(expected)
    z_raw: np.ndarray
    z_calibrated: np.ndarray  # before the multiple-testing adjustment
    score: np.ndarray  # calibrated and adjusted: compare with the severity thresholds
    family_size: np.ndarray  # (days,) number of tests per day used for the adjustment
    calendar_effect: np.ndarray  # log effect of the day's calendar category
    calendar_support: np.ndarray  # earlier days of that category the effect was estimated from


@dataclass(frozen=True)
class _Chunk:  # day-major: (days - first, series), the calendar arrays (days, series)
    log_expected: np.ndarray
    log_error: np.ndarray
    z_raw: np.ndarray
    z_calibrated: np.ndarray
    scale: np.ndarray  # log units per unit of calibrated z
    settled: np.ndarray  # 1.0 where the series' own noise history is established (else 0.0)
    calendar_effect: np.ndarray
    calendar_support: np.ndarray


@dataclass(frozen=True)
class ScopeOverlap:
    """Which rows of a grid belong to which scope, and which scopes share cells (see ``scope_overlap``)."""

    scope_of: np.ndarray  # (series,) int: the scope of each row
    overlap: np.ndarray  # (scopes, scopes) bool, symmetric: the two scopes have leaves in common


def score_grid(
    values: np.ndarray,
    days: CalendarDays,
    config: DetectionConfig,
    columns: Sequence[int] | None = None,
    scopes: ScopeOverlap | None = None,
) -> GridScores:
    """Score ``values`` (series x days); non-positive and NaN values count as missing.

    ``columns``: the days to score (None = every day). Calendar effects always use the whole history, but
    the baseline windows, errors and calibration are computed only from ``calibration_days`` before the
    first scored column on (a daily scan scores one day: ~60 columns instead of 365); cells outside that
    block are NaN. Arithmetic and results are float32, on log values centred per series on their first
    valid value (a relative precision of ~1e-6, far below any noise the score could react to).

    ``scopes``: how the rows' scopes overlap; the baseline then also leaves out the days on which an
    overlapping scope alerts (see ``_baseline_exclusions``). None: each series on its own.

    Layout: the work is day-major (see :mod:`core.detection.day_major`), so the returned (series x days)
    arrays are transposed views of day-major buffers (Fortran order); index them as usual.
    """
    values = np.asarray(values, dtype=float)
    n_series, n_days = len(values), len(days.dates)
    first = 0 if columns is None or len(columns) == 0 else max(min(columns) - config.calibration_days - 1, 0)
    names = ("log_expected", "log_error", "z_raw", "z_calibrated", "scale", "settled")
    by_day = {name: np.full((n_days, n_series), np.nan, dtype=np.float32) for name in names}
    effect = np.zeros((n_days, n_series), dtype=np.float32)
    support = np.zeros((n_days, n_series), dtype=np.float32)
    for start in range(0, n_series, CHUNK_ROWS):
        chunk = _score_pass(values[start : start + CHUNK_ROWS], days, config, first, None)
        _store(chunk, slice(start, start + CHUNK_ROWS), by_day, effect, support, first)
    if config.exclude_anomalies_from_baseline:
        _rescore_without_anomalies(values, days, config, first, scopes, by_day, effect, support)
    log_expected, log_error, z_raw, z_calibrated, scale = (by_day[name].T for name in names[:-1])
    scored = np.zeros(n_days, dtype=bool)
    scored[first:] = True
    if columns is not None:
        scored[:] = False
        scored[np.asarray(columns, dtype=np.int64)] = True
    family = np.ones(n_days)
    family[scored] = (
        float(config.family_size)
        if config.family_size
        else np.maximum(np.count_nonzero(np.isfinite(z_calibrated[:, scored]), axis=0), 1)
    )
    score = _nan_by_day(n_series, n_days)
    score[:, scored] = family_adjusted_score(z_calibrated[:, scored], family[scored])
    band = (band_half_width(config.minor, family[first:]) * scale[:, first:]).astype(np.float32)
    expected, lower, upper = (_nan_by_day(n_series, n_days) for _ in range(3))
    np.exp(log_expected[:, first:], out=expected[:, first:])
    np.exp(log_expected[:, first:] - band, out=lower[:, first:])
    np.exp(log_expected[:, first:] + band, out=upper[:, first:])
    return GridScores(
        expected=expected,
        lower=lower,
        upper=upper,
        log_error=log_error,
        z_raw=z_raw,
        z_calibrated=z_calibrated,
        score=score,
        family_size=family,
        calendar_effect=effect.T,
        calendar_support=support.T,
    )


def _nan_by_day(n_series: int, n_days: int) -> np.ndarray:
    """A (series x days) float32 NaN array stored day-major, like the engine's other outputs."""
    return np.full((n_days, n_series), np.nan, dtype=np.float32).T


def _store(
    chunk: _Chunk,
    rows: slice | np.ndarray,
    by_day: dict[str, np.ndarray],
    effect: np.ndarray,
    support: np.ndarray,
    first: int,
) -> None:
    for name, array in by_day.items():
        array[first:, rows] = getattr(chunk, name)
    effect[:, rows], support[:, rows] = chunk.calendar_effect, chunk.calendar_support


def _rescore_without_anomalies(
    values: np.ndarray,
    days: CalendarDays,
    config: DetectionConfig,
    first: int,
    scopes: ScopeOverlap | None,
    by_day: dict[str, np.ndarray],
    effect: np.ndarray,
    support: np.ndarray,
) -> None:
    """Score again, without the unusual days in the baselines, until the set of left-out days settles.

    One pass is not enough for a multi-day shift: in the first pass its later days already have the
    shifted level in their baseline (the median of 7 days follows a shift after 4), so only its first days
    are left out; the second pass then sees its later days as unusual, but the days after the shift still
    had them in their baselines. Each pass recomputes the left-out days from the previous pass's scores
    (not a union: the return to the earlier level, unusual only against a baseline that absorbed the
    shift, is let back in) and scores again only the series whose left-out days changed, for at most
    ``EXCLUSION_PASSES`` passes.
    """
    settled = by_day["settled"][first:] > 0  # from the first pass: the noise history, not its incidents
    current = np.zeros_like(settled)
    for _ in range(EXCLUSION_PASSES):
        excluded = _baseline_exclusions(by_day["z_calibrated"][first:], settled, days, config, first, scopes)
        again = np.flatnonzero((excluded != current).any(axis=0))  # the series whose left-out days changed
        if len(again) == 0:
            return
        for start in range(0, len(again), CHUNK_ROWS):
            rows = again[start : start + CHUNK_ROWS]
            chunk = _score_pass(values[rows], days, config, first, excluded[:, rows])
            _store(chunk, rows, by_day, effect, support, first)
        current = excluded


def _baseline_exclusions(
    z_calibrated: np.ndarray,
    settled: np.ndarray,
    days: CalendarDays,
    config: DetectionConfig,
    first: int,
    scopes: ScopeOverlap | None,
) -> np.ndarray:
    """(days - first, series): the cells left out of later days' baselines in the second pass.

    A series' own unusual ordinary days (first-pass calibrated |z| >= ``baseline_exclude_z``): neither an
    incident nor its end (the return to the earlier level) becomes the normal. With ``scopes``, also
    every day on which a series of an overlapping scope would alert (|z| reaching the minor band of the
    day's family, any metric): an incident of one slice moves every slice and metric that contains part
    of it, most of them too little to be excluded by their own z, and their baselines would absorb it.
    Only ``settled`` cells (the series' noise history established) exclude: before that, a first-pass z
    is inflated by an unknown noise level and would exclude the first weeks wholesale.
    """
    ordinary = (days.category[first:] < 7)[:, None] & settled
    magnitude = np.abs(np.nan_to_num(z_calibrated))
    excluded = (magnitude >= config.baseline_exclude_z) & ordinary
    if scopes is None:
        return excluded
    family = np.maximum(np.count_nonzero(np.isfinite(z_calibrated), axis=1), 1)
    alerting = (magnitude >= band_half_width(config.minor, family)[:, None]) & ordinary  # (days, series)
    n_scopes = len(scopes.overlap)
    incident = np.zeros((len(alerting), n_scopes), dtype=np.float32)
    np.add.at(incident.T, scopes.scope_of, alerting.T.astype(np.float32))  # (days, scopes): alerting rows
    touched = (incident @ scopes.overlap.astype(np.float32)) > 0  # (days, scopes) overlapping an incident
    return excluded | touched[:, scopes.scope_of]


def _score_pass(
    values: np.ndarray, days: CalendarDays, config: DetectionConfig, first: int, excluded: np.ndarray | None
) -> _Chunk:
    with np.errstate(divide="ignore", invalid="ignore"):
        log_values = np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)
    # centre each series on its first valid value: a day never changes the rounding of another
    first_valid = np.argmax(np.isfinite(log_values), axis=1)
    offset = np.nan_to_num(log_values[np.arange(len(values)), first_valid])
    log_by_day = np.ascontiguousarray((log_values - offset[:, None]).astype(np.float32).T)
    effects, support = calendar_effects(
        log_by_day,
        days,
        config.calendar_lookback_days,
        config.calendar_prior_days,
        config.holiday_prior_factor,
    )
    adjusted = log_by_day - effects
    comparable = days.category != HOLIDAY
    baseline_values = adjusted
    if excluded is not None:  # (days - first, series): those cells do not count as earlier days
        baseline_values = adjusted.copy()
        baseline_values[first:][excluded] = np.nan
    reach = 0 if excluded is None else BASELINE_REACH_DAYS  # skip the excluded days, do not shorten
    centre, local_sigma, counts = comparable_centre_spread(
        baseline_values, comparable, config.baseline_window, config.robust, first, reach
    )
    centre = np.where(counts >= config.baseline_min_values, centre, np.nan)
    floor = np.float32(np.log1p(config.min_relative_noise))
    local_sigma = np.fmax(np.nan_to_num(local_sigma, nan=0.0), floor)
    error = adjusted[first:] - centre

    ordinary = (days.category[first:] < 7)[:, None]
    clipped_error = np.where(ordinary, np.minimum(np.abs(error), ERROR_CLIP_SIGMAS * local_sigma), np.nan)
    error_sums, error_counts = trailing_window_sums(clipped_error, config.calibration_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        history_sigma = np.where(
            error_counts >= MIN_HISTORY_ERRORS, MEAN_ABS_TO_SIGMA * error_sums / error_counts, np.nan
        )
    noise_factor = np.where(ordinary, 1.0, config.special_day_noise_factor).astype(np.float32)
    sigma = np.fmax(local_sigma, history_sigma) * noise_factor
    z_raw = error / sigma

    clipped_z = np.where(ordinary, np.minimum(np.abs(z_raw), ERROR_CLIP_SIGMAS), np.nan)
    z_sums, z_counts = trailing_window_sums(clipped_z, config.calibration_days)
    dispersion = (MEAN_ABS_TO_SIGMA * z_sums + CALIBRATION_PRIOR_DAYS) / (z_counts + CALIBRATION_PRIOR_DAYS)
    calibration = np.maximum(dispersion, 1.0)
    return _Chunk(
        log_expected=centre + effects[first:] + offset.astype(np.float32)[None, :],
        log_error=error,
        z_raw=z_raw,
        z_calibrated=z_raw / calibration,
        scale=sigma * calibration,
        settled=np.isfinite(history_sigma).astype(np.float32),
        calendar_effect=effects,
        calendar_support=support,
    )


def family_adjusted_score(z: np.ndarray, family_size: np.ndarray) -> np.ndarray:
    """Signed normal quantile of the Bonferroni-adjusted two-sided p-value of ``z`` (NaN stays NaN).

    Computed on log p so that |z| = 40 does not underflow to an infinite score, and only where the
    adjusted p-value is below 1 (elsewhere the score is 0): the special functions run on a few cells.
    """
    family = np.asarray(family_size, dtype=float)  # a scalar or one size per day (the last axis)
    score = np.where(np.isnan(z), np.nan, 0.0)
    with np.errstate(invalid="ignore"):
        live = np.nonzero(np.abs(z) > -ndtri(0.5 / family))  # Bonferroni p < 1; thresholds per day
    magnitude = np.abs(z[live]).astype(float)
    log_half_p = np.minimum(log_ndtr(-magnitude) + np.log(np.broadcast_to(family, z.shape)[live]), 0.0)
    score[live] = np.sign(z[live]) * np.maximum(-ndtri_exp(log_half_p), 0.0)
    return score


def band_half_width(threshold: float, family_size: np.ndarray) -> np.ndarray:
    """Calibrated |z| whose adjusted score equals ``threshold`` (per day, for the given family size)."""
    tail = np.exp(log_ndtr(-threshold)) / family_size
    return -ndtri(tail)
