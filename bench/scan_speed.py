"""Speed of the detection engine: score 365 days x 10,000 (and 100,000) series.

Prints, in one run, the time of ``core.detection.engine.score_grid`` (calendar effects over the whole
history, comparable-day median/MAD baseline, calibration, multiple-testing adjustment – everything) for a
daily scan ("score the latest day": baseline and calibration only for the last ~60 columns) and for a
full backfill ("score all 365 days"), beside a pandas reference that computes only the trailing 7-day
rolling median and standard deviation with ``groupby().rolling()``. The last column is the scaling of the
daily scan: its time per 10,000 series (flat = linear in the number of series).

How the engine gets there (see :mod:`core.detection.day_major`): it works day-major (rows = days), so
every window is a set of contiguous rows; window sums are differences of prefix sums computed by blocked
triangular matrix products (BLAS) instead of ``np.cumsum``; the calendar effects pack the days by category
once and need one prefix sum per pass for all categories; the median/MAD baseline is built only for the
scored days and their calibration history, with a sorting network instead of ``np.sort``.

Run: ``.venv/bin/python bench/scan_speed.py [--series 10000 100000] [--days 365] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.detection.calendar_effects import CalendarDays, calendar_days
from core.detection.config import DetectionConfig
from core.detection.engine import score_grid


def synthetic_grid(n_series: int, dates: pd.DatetimeIndex, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekly = np.where(dates.day_of_week >= 5, 1.15, 1.0)
    level = rng.uniform(100, 100_000, (n_series, 1))
    return level * weekly * np.exp(rng.normal(0, 0.05, (n_series, len(dates))))


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs (the usual timeit convention: the others measure the machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def time_numpy(values: np.ndarray, days: CalendarDays, latest_only: bool, repeat: int) -> float:
    columns = [values.shape[1] - 1] if latest_only else None
    return best_of(repeat, lambda: score_grid(values, days, DetectionConfig(), columns))


def time_pandas_reference(values: np.ndarray, dates: pd.DatetimeIndex) -> float:
    long = pd.DataFrame(
        {
            "series": np.repeat(np.arange(len(values)), len(dates)),
            "date": np.tile(dates.to_numpy(), len(values)),
            "value": values.ravel(),
        }
    )
    start = time.perf_counter()
    rolling = long.groupby("series")["value"].rolling(7, min_periods=5, closed="left")
    median, std = rolling.median(), rolling.std()
    elapsed = time.perf_counter() - start
    assert len(median) == len(std) == len(long)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs (1 above 10,000)")
    parser.add_argument("--reference-up-to", type=int, default=10_000, help="skip pandas above this size")
    args = parser.parse_args()
    dates = pd.date_range(end="2025-12-31", periods=args.days, freq="D")
    days = calendar_days(dates, ChineseCalendar())  # the calendar lookup is not part of scoring
    header = (
        f"{'series':>8} {'days':>5} {'ours: latest day (s)':>21} {'ours: all days (s)':>19} "
        f"{'pandas rolling ref (s)':>23} {'latest per 10k (s)':>19}"
    )
    print(header)
    for n_series in args.series:
        values = synthetic_grid(n_series, dates)
        repeat = args.repeat if n_series <= 10_000 else 1
        latest = time_numpy(values, days, latest_only=True, repeat=repeat)
        full = time_numpy(values, days, latest_only=False, repeat=repeat)
        reference = (
            f"{time_pandas_reference(values, dates):23.2f}"
            if n_series <= args.reference_up_to
            else f"{'-':>23}"
        )
        per_10k = latest * 10_000 / n_series
        print(
            f"{n_series:>8} {args.days:>5} {latest:21.3f} {full:19.2f} {reference} {per_10k:19.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
