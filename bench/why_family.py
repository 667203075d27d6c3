"""``/why`` on periods with nothing injected: how often it says "within the normal range" (and names no cause).

On the cube family of ``bench/cube_family.py`` (same halves as ``bench/detection_family.py``: **odd seeds
tune, even seeds are reported**), each cube gets ``--periods`` random day periods and as many 7-day
periods, with a random metric (边现, revenue, DAU, conversion), drawn among those whose days and comparison
days hold no injected incident, no public holiday and no missing day. For each, the facts of ``/why``
(:func:`core.why.build_why_facts`, with the scan's band for a day, exactly as the command builds them) say
whether the change is within the normal range and which slices are significant causes.

Beside it, the same question on the first day of every injected incident, with the incident's metric: how
often ``/why`` calls it *outside* the normal range (so "always normal" cannot pass). The seed's ``/why``
(its demo) lists core causes for every question, so its "within the normal range" rate is 0 %.

Run: ``.venv/bin/python bench/why_family.py [--seeds 1 2 … 12] [--periods 20]``
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

from cube_family import REPORTED, TUNING, family_cube, half_of
from detection_family import CUBE_DAYS, end_of

from core.calendar import ChineseCalendar, DayKind
from core.cube_reader import FrameReader
from core.narrators.explanation import causal_slices
from core.why import build_why_facts, day_period, metric_trend, series_count, week_period
from core.why.models import WhyFacts, WhyPeriod

METRICS = ("arpu", "revenue", "dau", "conversion")
RECENT_DAYS = 120  # periods are drawn from the cube's last 120 days (the first 60 are history)
CALENDAR_DAYS = (DayKind.HOLIDAY, DayKind.ADJUSTED_WORKDAY)  # holiday effects are real changes, not noise


def explain(reader: FrameReader, metric: str, period: WhyPeriod, calendar: ChineseCalendar) -> WhyFacts:
    trend = None
    if period.kind == "day":
        trend = metric_trend(
            reader, metric, {}, period.end, calendar=calendar, family_size=series_count(reader, period.end)
        )
    return build_why_facts(reader, metric=metric, period=period, calendar=calendar, trend=trend)


def quiet_periods(cube, calendar: ChineseCalendar, count: int, rng: np.random.Generator) -> list:
    """``count`` day and ``count`` week periods whose days and comparison days are untouched."""
    touched = {cube.missing_day}
    for event in cube.events:
        if not event.benign:
            touched |= {event.start + dt.timedelta(days=i) for i in range(event.days)}
    end = max(cube.frame["date"]).date()
    candidates = [end - dt.timedelta(days=i) for i in range(RECENT_DAYS)]
    out: list[tuple[str, WhyPeriod]] = []
    for make in (day_period, lambda d: week_period(d - dt.timedelta(days=6), d)):
        found = 0
        for day in rng.permutation(candidates):
            period = make(pd.Timestamp(day).date())
            days = [*period.dates(), *period.baseline_dates()]
            if any(d in touched or calendar.info(d).kind in CALENDAR_DAYS for d in days):
                continue
            out.append((str(rng.choice(METRICS)), period))
            found += 1
            if found == count:
                break
    return out


def run_seed(seed: int, periods: int, calendar: ChineseCalendar) -> dict[str, int]:
    end = end_of(seed)
    cube = family_cube(seed, end, CUBE_DAYS, calendar)
    reader = FrameReader(cube.frame)
    rng = np.random.default_rng(500 + seed)
    tally = {"quiet": 0, "normal": 0, "named": 0, "incidents": 0, "flagged": 0}
    for metric, period in quiet_periods(cube, calendar, periods, rng):
        facts = explain(reader, metric, period, calendar)
        tally["quiet"] += 1
        tally["normal"] += bool(facts.within_normal_range)
        tally["named"] += bool(causal_slices(facts))  # what the card would call a cause
    for event in cube.events:
        if event.benign or cube.missing_day in (event.start, event.start - dt.timedelta(days=7)):
            continue  # /why of a day without data (or without its comparison day) is refused
        facts = explain(reader, event.metric, day_period(event.start), calendar)
        tally["incidents"] += 1
        tally["flagged"] += facts.within_normal_range is False
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 13)))
    parser.add_argument("--periods", type=int, default=20, help="day periods and week periods per cube")
    args = parser.parse_args()
    calendar = ChineseCalendar()
    started = time.perf_counter()
    header = f"{'cube':<12} {'quiet':>6} {'normal':>7} {'cause named':>12} {'incidents':>10} {'flagged':>8}"
    for title in (TUNING, REPORTED):
        seeds = [s for s in args.seeds if half_of(s) == title]
        if not seeds:
            continue
        print(f"\n## {title}\n{header}\n{'-' * len(header)}")
        total = dict.fromkeys(("quiet", "normal", "named", "incidents", "flagged"), 0)
        for seed in seeds:
            tally = run_seed(seed, args.periods, calendar)
            total = {k: total[k] + tally[k] for k in total}
            print(_row(f"family-{seed}", tally), flush=True)
        print("-" * len(header))
        print(_row("ours", total))
        print(f"{'seed /why':<12} {total['quiet']:>6} {'0.0%':>7} {'100.0%':>12} {'':>10} {'':>8}")
    print(f"\n{time.perf_counter() - started:.0f} s.")


def _row(name: str, t: dict[str, int]) -> str:
    quiet, incidents = max(t["quiet"], 1), max(t["incidents"], 1)
    return (
        f"{name:<12} {t['quiet']:>6} {t['normal'] / quiet:>7.1%} {t['named'] / quiet:>12.1%} "
        f"{t['incidents']:>10} {t['flagged'] / incidents:>8.1%}"
    )


if __name__ == "__main__":
    main()
