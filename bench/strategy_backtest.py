"""Leave-one-campaign-out backtest of the 边现 lift ``/strategy`` and ``/budget`` predict for a plan.

Per seed, the demo with its campaigns' true effects (``DemoConfig(campaign_effects=True)``, 180 days to
2026-12-01). Every campaign in turn is the plan — its segment, content mix, positions, discount, budget and
length — and the rest of the library predicts its 边现 lift (``core.planning.plan_kpi.estimate_kpis``, the
function behind both commands: the similar campaigns' lifts transferred to the plan, a weighted median and an
80 % interval). The prediction is scored against

* the *measured* lift: what the product's retro measured for that campaign against its counterfactual
  (``bench/retro_demo.py``'s path; campaigns the retro could not measure are left out), and
* the *true* lift: the realised change of the segment's 边现 over the campaign's days (with effects
  against without).

Two libraries: the lifts as *recorded* (the team's own numbers: the demo records a campaign's lift on the
users its positions reached, overstating the segment's), and the lifts as *measured* where a retro measured
them (``core.planning.outcomes.measured_first``: what saving retros gives ``/strategy``). Beside ours, the
baseline the issue names: the plain median of the similar campaigns' lifts (the same neighbours, untransferred,
unweighted). Printed per half (odd seeds: tuning, even: reported; nothing here was tuned on either): median
absolute error, bias and the 80 % interval's coverage.

Run: ``.venv/bin/python bench/strategy_backtest.py [--seeds 1 2 … 8]``
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cube_family import REPORTED, TUNING, half_of
from retro_demo import DAYS, END, run_seed

from core.demo import generate_demo
from core.demo.dataset import DemoConfig
from core.planning.campaigns import prepare_campaigns
from core.planning.capacity import campaign_usage, position_table
from core.planning.outcomes import measured_first
from core.planning.plan_kpi import estimate_kpis
from core.planning.similarity import Plan


@dataclass(frozen=True)
class Prediction:
    seed: int
    campaign_id: str
    library: str  # recorded | measured
    truth: float
    measured: float | None
    point: float
    low: float
    high: float
    baseline: float  # median of the similar campaigns' lifts


def run_seed_backtest(seed: int) -> list[Prediction]:
    demo = generate_demo(end=END, days=DAYS, seed=seed, config=DemoConfig(campaign_effects=True))
    retro = {c.campaign_id: c for c in run_seed(seed) if c.metric == "arpu"}
    history = prepare_campaigns(demo.campaigns)
    measured_lift = history["campaign_id"].map(lambda cid: retro[cid].ours if cid in retro else None)
    libraries = {
        "recorded": history,
        "measured": measured_first(history.assign(measured_arpu_lift=pd.to_numeric(measured_lift))),
    }
    table = position_table(demo.resources, demo.metrics)
    out = []
    for name, library in libraries.items():
        for index, row in library.iterrows():
            case = retro.get(str(row["campaign_id"]))
            if case is None:
                continue
            plan = Plan(str(row["target_segment"]), row["mix"], row["position_set"], str(row["discount"]))
            budget = float(row["budget_used"])
            days = int(row["duration_days"])
            kpi, neighbours = estimate_kpis(
                plan,
                campaign_usage(row["position_set"], budget, days, table),
                budget,
                days,
                library.drop(index=index),
                demo.segments,
                table,
                demo.metrics,
            )
            if kpi is None:
                continue
            lift = kpi.arpu_lift
            out.append(
                Prediction(
                    seed=seed,
                    campaign_id=case.campaign_id,
                    library=name,
                    truth=case.truth,
                    measured=case.ours,
                    point=lift.point,
                    low=lift.lower,
                    high=lift.upper,
                    baseline=float(np.median([n.arpu_lift for n in neighbours])),
                )
            )
    return out


def report(title: str, predictions: list[Prediction]) -> None:
    print(f"\n## {title}")
    header = (
        f"{'library':<9} {'against':<9} {'n':>4} {'ours |err|':>11} {'ours bias':>10} {'80% cov.':>9} "
        f"{'median-of-similar |err|':>24} {'its bias':>9}"
    )
    print(header + "\n" + "-" * len(header))
    for library in ("recorded", "measured"):
        rows = [p for p in predictions if p.library == library]
        for against in ("measured", "truth"):
            scored = [p for p in rows if (p.measured if against == "measured" else p.truth) is not None]
            target = np.array([p.measured if against == "measured" else p.truth for p in scored], dtype=float)
            point = np.array([p.point for p in scored])
            baseline = np.array([p.baseline for p in scored])
            covered = np.mean([p.low <= t <= p.high for p, t in zip(scored, target, strict=True)])
            print(
                f"{library:<9} {against:<9} {len(scored):>4} {np.median(np.abs(point - target)):>11.2%} "
                f"{np.median(point - target):>+10.2%} {covered:>9.1%} "
                f"{np.median(np.abs(baseline - target)):>24.2%} {np.median(baseline - target):>+9.2%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 9)))
    args = parser.parse_args()
    started = time.perf_counter()
    halves: dict[str, list[Prediction]] = {TUNING: [], REPORTED: []}
    for seed in args.seeds:
        halves[half_of(seed)] += run_seed_backtest(seed)
    for title, predictions in halves.items():
        if predictions:
            report(title, predictions)
    print(f"\n{time.perf_counter() - started:.0f} s in total.")


if __name__ == "__main__":
    main()
