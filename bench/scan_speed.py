"""Speed of the detection engine: score 365 days x 10,000 (and 100,000) series.

Prints the time of ``core.detection.engine.score_grid`` (calendar effects, comparable-day median/MAD
baseline, calibration, multiple-testing adjustment – everything) beside a pandas reference that computes
only the trailing 7-day rolling median and standard deviation with ``groupby().rolling()``.

Run: ``.venv/bin/python bench/scan_speed.py [--series 10000 100000] [--days 365]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.detection.calendar_effects import calendar_days
from core.detection.config import DetectionConfig
from core.detection.engine import score_grid


def synthetic_grid(n_series: int, dates: pd.DatetimeIndex, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    weekly = np.where(dates.day_of_week >= 5, 1.15, 1.0)
    level = rng.uniform(100, 100_000, (n_series, 1))
    return level * weekly * np.exp(rng.normal(0, 0.05, (n_series, len(dates))))


def time_numpy(values: np.ndarray, dates: pd.DatetimeIndex) -> float:
    days = calendar_days(dates, ChineseCalendar())
    start = time.perf_counter()
    scores = score_grid(values, days, DetectionConfig())
    elapsed = time.perf_counter() - start
    assert scores.score.shape == values.shape
    return elapsed


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
    parser.add_argument("--reference-up-to", type=int, default=10_000, help="skip pandas above this size")
    args = parser.parse_args()
    dates = pd.date_range(end="2025-12-31", periods=args.days, freq="D")
    ChineseCalendar().frame(dates)  # warm the calendar cache: not part of scoring
    print(f"{'series':>8} {'days':>5} {'numpy score_grid (s)':>22} {'pandas rolling ref (s)':>24}")
    for n_series in args.series:
        values = synthetic_grid(n_series, dates)
        numpy_seconds = time_numpy(values, dates)
        reference = (
            f"{time_pandas_reference(values, dates):24.2f}"
            if n_series <= args.reference_up_to
            else f"{'-':>24}"
        )
        print(f"{n_series:>8} {args.days:>5} {numpy_seconds:22.2f} {reference}")


if __name__ == "__main__":
    main()
