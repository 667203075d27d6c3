"""Campaign lift against a counterfactual (``core.retro.counterfactual``) beside the naive before/after.

Cubes: ``bench/cube_family.py`` (other dimensions, magnitudes and noise; its incidents and holidays stay in,
as they would in a team's data). Per cube, campaigns are injected into one value of one dimension holding at
least 5 % of DAU: 边现 lifts of 0, 2, 5, 10 and 20 % (revenue up, DAU as it was), 7, 14 or 28 days, a step or
a ramp (rising linearly, the same mean), launched in the last 60 days (some over holidays). A campaign window
touching an injected incident of an overlapping slice is redrawn. The truth is the lift the injection made in
the slice's 边现 over the window.

Printed per half (odd seeds: tuning, even: reported; the estimator's first constants were set before the
first run of this bench, its second version chosen on ``bench/retro_demo.py``'s tuning half and checked on
this bench's tuning half before its reported half was run): median absolute lift error and median error (bias) for the
naive method (the window against the equally long period before it, the seed's retro) and ours; coverage of
our 80 % interval; false positives at zero effect (verdict "effective"); power at +10 % over 14 days; the
share of undetermined verdicts; time per retro.

The anchor, beside them when pysyncon is installed (the ``bench`` extra, ``make bench``): pysyncon's synthetic
control (``bench/anchor_synth.py``), its median absolute error and bias on the campaigns it could fit.

Run: ``.venv/bin/python bench/retro_quality.py [--seeds 1 2 … 12] [--campaigns 30]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchor_synth
from cube_family import REPORTED, TUNING, family_cube, half_of

from core.calendar import ChineseCalendar
from core.cube_reader import as_reader
from core.demo import InjectedEvent
from core.retro.controls import split_slices
from core.retro.counterfactual import campaign_lift

CUBE_DAYS = 180
END = dt.date(2026, 11, 22)
EFFECTS = (0.0, 0.02, 0.05, 0.10, 0.20)
LENGTHS = (7, 14, 28)
MIN_SHARE = 0.05
METRICS_SHOWN = ("arpu", "revenue")  # 边现 itself, and revenue, where the calendar and trends are


@dataclass(frozen=True)
class Case:
    metric: str
    effect: float
    length: int
    truth: float
    naive: float
    ours: float | None
    anchor: float | None  # pysyncon's synthetic control (bench/anchor_synth.py), when installed
    low: float | None
    high: float | None
    verdict: str
    reason: str | None
    seconds: float
    anchor_seconds: float | None


def run_cube(seed: int, campaigns: int, calendar: ChineseCalendar) -> list[Case]:
    rng = np.random.default_rng(50_000 + seed)
    cube = family_cube(seed, END, CUBE_DAYS, calendar)
    frame = cube.frame
    incidents = [e for e in cube.events if not e.benign]
    targets = []
    total = float(frame["dau"].sum())
    for dimension in cube.dimensions:
        share = frame.groupby(dimension)["dau"].sum() / total
        targets += [(dimension, str(v)) for v, s in share.items() if s >= MIN_SHARE and s < 0.9]
    cases = []
    for _ in range(campaigns):
        dimension, value = targets[int(rng.integers(len(targets)))]
        effect = float(rng.choice(EFFECTS))
        length = int(rng.choice(LENGTHS))
        ramp = bool(rng.random() < 0.5)
        for _attempt in range(50):
            start = END - dt.timedelta(days=int(rng.integers(length, 60)))
            end = start + dt.timedelta(days=length - 1)
            if end <= END and not any(_touches(e, dimension, value, start, end) for e in incidents):
                break
        cases += _case(frame, dimension, value, start, end, effect, ramp)
    return cases


def _touches(event: InjectedEvent, dimension: str, value: str, start: dt.date, end: dt.date) -> bool:
    event_end = event.start + dt.timedelta(days=event.days - 1)
    overlapping_slice = event.slice.get(dimension, value) == value
    return overlapping_slice and event.start <= end and start <= event_end


def _case(
    frame: pd.DataFrame, dimension: str, value: str, start: dt.date, end: dt.date, effect: float, ramp: bool
) -> list[Case]:
    length = (end - start).days + 1
    days = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    factor = (
        pd.Series(1 + effect * 2 * np.arange(1, length + 1) / (length + 1), index=days)
        if ramp
        else pd.Series(1 + effect, index=days)
    )
    inside = (frame[dimension].astype(str) == value) & frame["date"].isin(days)
    lifted = frame.copy()
    lifted.loc[inside, "revenue"] = lifted.loc[inside, "revenue"] * lifted.loc[inside, "date"].map(factor)
    original, reader = as_reader(frame), as_reader(lifted)  # the product's reader: slices from grouped sums
    before = original.daily({dimension: value}, END)
    treated = reader.daily({dimension: value}, END)
    previous = pd.date_range(end=pd.Timestamp(start) - pd.Timedelta(days=1), periods=length, freq="D")
    others = sorted(set(frame[dimension].astype(str)) - {value})
    controls = {f"{dimension}={o}": reader.daily({dimension: o}, END) for o in others}
    started = time.perf_counter()
    _, strata = split_slices(dimension, value, others, treated, start, reader.breakdown, reader.dimensions())
    result = campaign_lift(treated, controls, start, end, strata=strata)
    seconds = time.perf_counter() - started
    anchor, anchor_seconds = None, None
    if anchor_synth.available():
        started = time.perf_counter()
        anchor = anchor_synth.synth_lift(treated, controls, start, end)
        anchor_seconds = time.perf_counter() - started
    cases = []
    for metric in METRICS_SHOWN:
        measured = result.metrics.get(metric)
        cases.append(
            Case(
                metric=metric,
                effect=effect,
                length=length,
                truth=_value(treated, days, metric) / _value(before, days, metric) - 1,
                naive=_value(treated, days, metric) / _value(treated, previous, metric) - 1,
                ours=measured.lift if measured else None,
                anchor=anchor[metric] if anchor else None,
                low=measured.lift_low if measured else None,
                high=measured.lift_high if measured else None,
                verdict=result.verdict,
                reason=result.reason,
                seconds=seconds,
                anchor_seconds=anchor_seconds,
            )
        )
    return cases


def _value(daily: pd.DataFrame, days: pd.DatetimeIndex, metric: str) -> float:
    rows = daily.reindex(days)
    revenue = float(rows["revenue"].sum())
    return revenue / float(rows["dau"].sum()) if metric == "arpu" else revenue


def report(title: str, cases: list[Case]) -> None:
    campaigns = [c for c in cases if c.metric == METRICS_SHOWN[0]]
    reasons = pd.Series([c.reason for c in campaigns if c.verdict == "undetermined"]).value_counts().to_dict()
    print(
        f"\n## {title}: {len(campaigns)} campaigns; undetermined {len(campaigns) - sum(c.ours is not None for c in campaigns)} {reasons}"
    )
    print(f"{'metric · method':<30} {'median |error|':>15} {'median error':>13} {'80% coverage':>13} "
          f"{'false pos. @0':>14} {'power @10%/14d':>15}")  # fmt: skip
    for metric in METRICS_SHOWN:
        rows = [c for c in cases if c.metric == metric]
        measured = [c for c in rows if c.ours is not None]
        naive_error = np.array([c.naive - c.truth for c in measured])
        ours_error = np.array([c.ours - c.truth for c in measured])  # type: ignore[operator]
        covered = np.mean([c.low <= c.truth <= c.high for c in measured])  # type: ignore[operator]
        print(f"{metric + ' · naive before/after':<30} {np.median(np.abs(naive_error)):>15.2%} "
              f"{np.median(naive_error):>+13.2%} {'—':>13} {'—':>14} {'—':>15}")  # fmt: skip
        print(f"{metric + ' · ours':<30} {np.median(np.abs(ours_error)):>15.2%} {np.median(ours_error):>+13.2%} "
              f"{covered:>13.1%} {'':>14} {'':>15}")  # fmt: skip
        anchored = [c for c in measured if c.anchor is not None]
        if anchored:
            anchor_error = np.array([c.anchor - c.truth for c in anchored])  # type: ignore[operator]
            mine = np.array([c.ours - c.truth for c in anchored])  # type: ignore[operator]
            print(f"{metric + ' · anchor (pysyncon)':<30} {np.median(np.abs(anchor_error)):>15.2%} "
                  f"{np.median(anchor_error):>+13.2%} {'—':>13} {'—':>14} {'—':>15}"
                  f"   (on its {len(anchored)} campaigns ours: {np.median(np.abs(mine)):.3%}, anchor "
                  f"{np.median(np.abs(anchor_error)):.3%}: ours / anchor "
                  f"{np.median(np.abs(mine)) / np.median(np.abs(anchor_error)):.2f}×)")  # fmt: skip
    measured = [c for c in campaigns if c.ours is not None]
    zero = [c for c in measured if c.effect == 0]
    power = [c for c in measured if c.effect == 0.10 and c.length == 14]
    fp = np.mean([c.verdict == "effective" for c in zero]) if zero else float("nan")
    pw = np.mean([c.verdict == "effective" for c in power]) if power else float("nan")
    print(f"{'verdict (on 边现)':<30} {'':>15} {'':>13} {'':>13} {fp:>14.1%} {pw:>15.1%}"
          f"   (n at 0: {len(zero)}, n at 10 %/14 d: {len(power)})")  # fmt: skip
    print(
        f"time per retro (estimator only): median {np.median([c.seconds for c in campaigns]) * 1000:.0f} ms"
    )
    anchor_times = [c.anchor_seconds for c in campaigns if c.anchor_seconds is not None]
    if anchor_times:
        print(f"time per retro (anchor): median {np.median(anchor_times) * 1000:.0f} ms")
    else:
        print("anchor: pysyncon is not installed (make bench installs it: pip install -e '.[dev,bench]')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 13)))
    parser.add_argument("--campaigns", type=int, default=30, help="campaigns injected per cube")
    args = parser.parse_args()
    calendar = ChineseCalendar()
    started = time.perf_counter()
    halves: dict[str, list[Case]] = {TUNING: [], REPORTED: []}
    for seed in args.seeds:
        halves[half_of(seed)] += run_cube(seed, args.campaigns, calendar)
    for title, cases in halves.items():
        if cases:
            report(title, cases)
    print(f"\n{time.perf_counter() - started:.0f} s in total.")


if __name__ == "__main__":
    main()
