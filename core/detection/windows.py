"""Vectorised window statistics on a series x day grid (rows = series, columns = consecutive days).

Everything is computed for all series and all days at once with cumulative sums or a sliding-window
view; NaN means "no value" and is skipped, never treated as zero. Windows that are "trailing" end the
day *before* the column they are reported in, so a day is never part of its own baseline.

The scan engine itself works day-major (:mod:`core.detection.day_major`, same definitions, faster); these
series-major forms serve the callers that hold a (series x days) grid, e.g. the root-cause leaf medians,
and are the reference the day-major forms are tested against.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

MAD_TO_SIGMA = 1.4826  # 1 / Phi^-1(3/4): MAD of a normal sample -> standard deviation


def _cumulative(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative sums of the non-NaN values and their counts, with a leading zero column; the dtype of
    ``values`` is kept (float32 sums of centred log values are precise enough and twice as fast)."""
    n_rows, n_days = values.shape
    dtype = values.dtype if values.dtype in (np.float32, np.float64) else np.float64
    valid = ~np.isnan(values)
    sums = np.zeros((n_rows, n_days + 1), dtype=dtype)
    counts = np.zeros((n_rows, n_days + 1), dtype=dtype)
    np.cumsum(np.where(valid, values, 0), axis=1, out=sums[:, 1:])
    np.cumsum(valid, axis=1, out=counts[:, 1:], dtype=dtype)
    return sums, counts


def trailing_sum(values: np.ndarray, length: int, lag: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Sum and count of the non-NaN values in columns ``[t - lag - length + 1, t - lag]`` for every t."""
    n_days = values.shape[1]
    sums, counts = _cumulative(values)
    end = np.clip(np.arange(n_days) - lag + 1, 0, n_days)
    start = np.clip(end - length, 0, n_days)
    return sums[:, end] - sums[:, start], counts[:, end] - counts[:, start]


def trailing_centre_spread(
    values: np.ndarray, window: int, robust: bool, targets: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre, spread (as a standard deviation) and count of the ``window`` days before each day.

    ``targets``: the columns to report (None = all); only their windows are built, so a daily scan does
    not pay for a year of medians. ``robust``: median and 1.4826 * MAD – one outlier in the window moves
    neither. The NaN-aware median sorts each short window (NaN sort last) and picks the middle of the
    valid part, which is much faster than ``np.nanmedian`` on millions of 7-day windows. Otherwise: mean
    and sample standard deviation from cumulative sums.
    """
    n_rows, n_days = values.shape
    targets = np.arange(n_days) if targets is None else np.asarray(targets, dtype=np.int64)
    if not robust:
        sums, counts = trailing_sum(values, window)
        squares, _ = trailing_sum(values * values, window)
        sums, counts, squares = sums[:, targets], counts[:, targets], squares[:, targets]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sums / counts
            variance = (squares - counts * mean * mean) / (counts - 1)
        return mean, np.sqrt(np.maximum(variance, 0.0)), counts
    padded = np.concatenate([np.full((n_rows, window), np.nan, dtype=values.dtype), values[:, :-1]], axis=1)
    windows = np.sort(sliding_window_view(padded, window, axis=1)[:, targets], axis=2)
    counts = np.count_nonzero(~np.isnan(windows), axis=2)
    median = _middle_of_sorted(windows, counts)
    deviations = np.sort(np.abs(windows - median[..., None]), axis=2)
    return median, MAD_TO_SIGMA * _middle_of_sorted(deviations, counts), counts


def _middle_of_sorted(sorted_windows: np.ndarray, counts: np.ndarray) -> np.ndarray:
    low = np.maximum((counts - 1) // 2, 0)[..., None]
    high = np.maximum(counts // 2, 0)[..., None]
    low_values = np.take_along_axis(sorted_windows, low, axis=2)[..., 0]
    high_values = np.take_along_axis(sorted_windows, high, axis=2)[..., 0]
    return np.where(counts > 0, 0.5 * (low_values + high_values), np.nan)


def comparable_centre_spread(
    values: np.ndarray, comparable: np.ndarray, window: int, robust: bool, first: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`trailing_centre_spread`, over the last ``window`` *comparable* days before each day
    from column ``first`` on (the result has ``days - first`` columns).

    ``comparable`` (days,) marks the columns that may serve in a baseline. The comparable columns are
    packed together, windowed there, and each day picks the window that ends at the last comparable
    column before it – so a long holiday is skipped rather than shortening the baseline.
    """
    n_rows, _ = values.shape
    packed = np.concatenate([values[:, comparable], np.full((n_rows, 1), np.nan, dtype=values.dtype)], axis=1)
    position = np.concatenate([[0], np.cumsum(comparable)[:-1]])[first:]  # comparable columns before each day
    return trailing_centre_spread(packed, window, robust, targets=position)
