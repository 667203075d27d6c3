"""Backtest of the forecast behind ``/goal`` (``core.planning.forecast``) beside the seasonal naive one.

The forecast under test is a calendar-aware day profile (weekday + holiday / 调休 effects) × a Theta level
(exponential smoothing + half the linear drift) with noise + trend + event-floor intervals; see the
module docstring of ``core.planning.forecast``.

Rolling origins: every 7 days from the 100th day of each cube to 30 days before its end, the forecast is
made from the days up to the origin and compared with the next 30 days, for DAU, revenue, 边现 and
conversion of the cube's total. Cubes: ``bench/cube_family.py`` (odd seeds: tuning half, even: reported, as in
the detection benchmark) and the demo (``core.demo``, seeds 1–4: the part the forecast was written on).

Printed per set and metric: coverage of the 80 % interval of the 30-day mean (asked: 75–85 %), coverage of
the daily 80 % intervals by horizon bucket (days 1–7, 8–14, 15–30; asked ≥ 70 % each), and MASE (mean
absolute error over the horizon / in-sample mean absolute weekly difference) of ours and of the seasonal naive
forecast (the last observed week repeated), with their ratio (asked ≤ 0.9), and beside them the anchor's —
statsforecast's AutoETS with a weekly season (``bench/anchor_ets.py``; asked: ours ≤ 1.05 × its MASE) — when
statsforecast is installed (the ``bench`` extra, ``make bench``).

Run: ``.venv/bin/python bench/forecast_quality.py [--seeds 1 2 … 12] [--demo-seeds 1 2 3 4]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchor_ets
from cube_family import REPORTED, TUNING, family_cube, half_of

from core.calendar import ChineseCalendar
from core.cube import DATE, daily_totals
from core.demo import generate_demo
from core.planning.forecast import forecast_metric

HORIZON = 30
STEP = 7
FIRST_ORIGIN = 100
CUBE_DAYS = 240
END = dt.date(2026, 11, 22)
METRICS = ("dau", "revenue", "arpu", "conversion")
BUCKETS = ((1, 7), (8, 14), (15, 30))


def backtest(daily: pd.DataFrame) -> list[dict[str, float]]:
    """One row per (origin, metric): whether the mean was covered, daily coverage per bucket, MASEs."""
    daily = daily.sort_values(DATE).reset_index(drop=True)
    rows = []
    for origin in range(FIRST_ORIGIN, len(daily) - HORIZON, STEP):
        history, future = daily.iloc[:origin], daily.iloc[origin : origin + HORIZON]
        for metric in METRICS:
            forecast = forecast_metric(history, metric, HORIZON)
            truth = future[metric].to_numpy(float)
            if not np.isfinite(truth).all():
                continue
            point = np.array([p.value for p in forecast.points])
            lower = np.array([p.lower for p in forecast.points])
            upper = np.array([p.upper for p in forecast.points])
            past = history[metric].to_numpy(float)
            scale = np.nanmean(np.abs(past[7:] - past[:-7]))
            naive = np.resize(past[-7:], HORIZON)
            row = {
                "metric": metric,
                "mean_covered": float(forecast.mean_lower <= truth.mean() <= forecast.mean_upper),
                "mase_ours": float(np.mean(np.abs(truth - point)) / scale),
                "mase_naive": float(np.mean(np.abs(truth - naive)) / scale),
            }
            if anchor_ets.available():
                ets = anchor_ets.ets_forecast(past, HORIZON)
                row["mase_ets"] = float(np.mean(np.abs(truth - ets)) / scale)
            for low, high in BUCKETS:
                days = slice(low - 1, high)
                inside = (lower[days] <= truth[days]) & (truth[days] <= upper[days])
                row[f"daily_{low}_{high}"] = float(inside.mean())
            rows.append(row)
    return rows


def family_daily(seed: int, calendar: ChineseCalendar) -> pd.DataFrame:
    cube = family_cube(seed, END, CUBE_DAYS, calendar)
    return daily_totals(cube.frame)


def demo_daily(seed: int, calendar: ChineseCalendar) -> pd.DataFrame:
    demo = generate_demo(end=END, days=CUBE_DAYS, seed=seed, calendar=calendar)
    return daily_totals(demo.metrics)


def report(title: str, rows: list[dict[str, float]]) -> None:
    frame = pd.DataFrame(rows)
    print(f"\n## {title}: {len(frame) // len(METRICS)} origins × {len(METRICS)} metrics")
    header = (
        f"{'metric':<11} {'mean 80% cov.':>13} {'days 1-7':>9} {'days 8-14':>10} {'days 15-30':>11} "
        f"{'MASE ours':>10} {'MASE naive':>11} {'ratio':>6} {'MASE AutoETS':>13} {'ours/ETS':>9}"
    )
    print(header + "\n" + "-" * len(header))
    for metric, part in [*frame.groupby("metric", sort=False), ("all", frame)]:
        ours, naive = part["mase_ours"].mean(), part["mase_naive"].mean()
        ets = part["mase_ets"].mean() if "mase_ets" in part else float("nan")
        print(
            f"{metric:<11} {part['mean_covered'].mean():>13.1%} {part['daily_1_7'].mean():>9.1%} "
            f"{part['daily_8_14'].mean():>10.1%} {part['daily_15_30'].mean():>11.1%} "
            f"{ours:>10.2f} {naive:>11.2f} {ours / naive:>6.2f} {ets:>13.2f} {ours / ets:>9.2f}"
        )
    if "mase_ets" not in frame:
        print(
            "anchor: statsforecast is not installed (make bench installs it: pip install -e '.[dev,bench]')"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 13)))
    parser.add_argument("--demo-seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()
    calendar = ChineseCalendar()
    started = time.perf_counter()
    sets: dict[str, list[dict[str, float]]] = {
        "demo (the part the forecast was written on)": [],
        f"family, {TUNING}": [],
        f"family, {REPORTED}": [],
    }
    for seed in args.demo_seeds:
        sets["demo (the part the forecast was written on)"] += backtest(demo_daily(seed, calendar))
    for seed in args.seeds:
        sets[f"family, {half_of(seed)}"] += backtest(family_daily(seed, calendar))
    for title, rows in sets.items():
        if rows:
            report(title, rows)
    print(f"\n{time.perf_counter() - started:.0f} s in total.")


if __name__ == "__main__":
    main()
