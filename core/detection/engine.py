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
   |z| >= ``baseline_exclude_z``) is scored again without those days in its baselines: a multi-day
   incident does not become the normal, so its end is not announced as a new anomaly.
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
    calendar_effect: np.ndarray
    calendar_support: np.ndarray


def score_grid(
    values: np.ndarray, days: CalendarDays, config: DetectionConfig, columns: Sequence[int] | None = None
) -> GridScores:
    """Score ``values`` (series x days); non-positive and NaN values count as missing.

    ``columns``: the days to score (None = every day). Calendar effects always use the whole history, but
    the baseline windows, errors and calibration are computed only from ``calibration_days`` before the
    first scored column on (a daily scan scores one day: ~60 columns instead of 365); cells outside that
    block are NaN. Arithmetic and results are float32, on log values centred per series on their first
    valid value (a relative precision of ~1e-6, far below any noise the score could react to).

    Layout: the work is day-major (see :mod:`core.detection.day_major`), so the returned (series x days)
    arrays are transposed views of day-major buffers (Fortran order); index them as usual.
    """
    values = np.asarray(values, dtype=float)
    n_series, n_days = len(values), len(days.dates)
    first = 0 if columns is None or len(columns) == 0 else max(min(columns) - config.calibration_days - 1, 0)
    names = ("log_expected", "log_error", "z_raw", "z_calibrated", "scale")
    by_day = {name: np.full((n_days, n_series), np.nan, dtype=np.float32) for name in names}
    effect = np.zeros((n_days, n_series), dtype=np.float32)
    support = np.zeros((n_days, n_series), dtype=np.float32)
    # a cell that would alert (minor, for a family of this grid's size) is left out of later baselines
    exclude_z = config.baseline_exclude_z if config.exclude_anomalies_from_baseline else None
    for start in range(0, n_series, CHUNK_ROWS):
        chunk = _score_chunk(values[start : start + CHUNK_ROWS], days, config, first, exclude_z)
        rows = slice(start, start + CHUNK_ROWS)
        for name in names:
            by_day[name][first:, rows] = getattr(chunk, name)
        effect[:, rows], support[:, rows] = chunk.calendar_effect, chunk.calendar_support
    log_expected, log_error, z_raw, z_calibrated, scale = (by_day[name].T for name in names)
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


def _score_chunk(
    values: np.ndarray,
    days: CalendarDays,
    config: DetectionConfig,
    first: int,
    exclude_z: float | None = None,
) -> _Chunk:
    """Score a block of series (rows of ``values``); every array of the result is day-major.

    ``exclude_z``: score twice; the second time, the days whose first calibrated |z| reached it (an
    incident) are left out of the baselines of the days after them, so that neither an incident nor its
    end (the return to the earlier level) is read as the new normal."""
    chunk = _score_pass(values, days, config, first, None)
    if exclude_z is None:
        return chunk
    ordinary = (days.category[first:] < 7)[:, None]  # a special day's score reflects its calendar, too
    anomalous = (np.abs(np.nan_to_num(chunk.z_calibrated)) >= exclude_z) & ordinary
    rows = np.flatnonzero(anomalous.any(axis=0))  # only the series with such a day are scored again
    if len(rows) == 0:
        return chunk
    again = _score_pass(values[rows], days, config, first, anomalous[:, rows])
    merged = {}
    for name in _Chunk.__dataclass_fields__:
        array = getattr(chunk, name).copy()
        array[:, rows] = getattr(again, name)
        merged[name] = array
    return _Chunk(**merged)


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
    centre, local_sigma, counts = comparable_centre_spread(
        baseline_values, comparable, config.baseline_window, config.robust, first
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
