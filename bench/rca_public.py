"""Benchmark ``core.rootcause.localise`` on the public RS data set (135 labelled incidents).

Protocol (as in /work/shared/benchmarks/README.md): per leaf, numerator = cnt - value, denominator = cnt;
forecast = mean of the leaf's numerator and denominator over the 4 minutes before the anomalous minute (a
minute without a row counts as 0); a predicted slice is a true positive only if its dimension=value set
equals a labelled cause exactly; F1 is micro-averaged over all cases.

    .venv/bin/python bench/rca_public.py [--data DIR] [--min-share 0.1] [--verbose]
"""

from __future__ import annotations

import argparse
import ast
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.rootcause import LocaliserConfig, localise

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "benchmarks" / "rs"
REFERENCE = {
    "Adtributor": 0.274,
    "AutoRoot": 0.261,
    "recursive Adtributor": 0.104,
    "Squeeze": 0.041,
    "RiskLoc (default parameters)": 0.025,
}
MEASURE_COLUMNS = ("min", "value", "cnt")
HISTORY_MINUTES = 4

Cause = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class Case:
    name: str
    timestamp: int
    causes: list[Cause]


def read_cases(data_dir: Path) -> list[Case]:
    """Parse anomaly.yaml (a flat list; causes are written as Python-style dict literals)."""
    text = (data_dir / "anomaly.yaml").read_text(encoding="utf-8")
    cases = []
    for block in re.split(r"^- ", text, flags=re.MULTILINE)[1:]:
        fields = dict(re.findall(r"^\s*(data|timestamp|cause):\s*(.+?)\s*$", block, flags=re.MULTILINE))
        raw = ast.literal_eval(fields["cause"])
        causes = raw if isinstance(raw, list) else [raw]
        labelled = [frozenset((str(k), str(v)) for k, v in cause.items()) for cause in causes]
        cases.append(Case(fields["data"], int(fields["timestamp"]), labelled))
    return cases


def case_leaves(data_dir: Path, case: Case) -> tuple[pd.DataFrame, list[str]]:
    """The leaf frame at the anomalous minute with the 4-minute-mean forecast."""
    frame = pd.read_csv(data_dir / f"{case.name}.csv", dtype=str)
    dimensions = [c for c in frame.columns if c not in MEASURE_COLUMNS]
    minute = pd.to_numeric(frame["min"]).astype("int64")
    cnt = pd.to_numeric(frame["cnt"]).astype(float)
    frame = frame[dimensions].assign(
        minute=minute, ok=cnt - pd.to_numeric(frame["value"]).astype(float), cnt=cnt
    )
    now = frame[frame["minute"] == case.timestamp].groupby(dimensions)[["ok", "cnt"]].sum()
    start = case.timestamp - 60 * HISTORY_MINUTES
    history = frame[(frame["minute"] >= start) & (frame["minute"] < case.timestamp)]
    forecast = history.groupby(dimensions)[["ok", "cnt"]].sum() / HISTORY_MINUTES
    leaves = now.join(forecast.add_suffix("_expected"), how="outer").fillna(0.0).reset_index()
    return leaves, dimensions


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="directory holding anomaly.yaml")
    parser.add_argument("--verbose", action="store_true", help="print each case's prediction and label")
    for name, field in LocaliserConfig.model_fields.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(field.default), default=field.default)
    args = parser.parse_args()
    config = LocaliserConfig(**{name: getattr(args, name) for name in LocaliserConfig.model_fields})

    true_positive = false_positive = false_negative = 0
    elapsed = 0.0
    cases = read_cases(args.data)
    for case in cases:
        leaves, dimensions = case_leaves(args.data, case)
        started = time.perf_counter()
        result = localise(leaves, dimensions, ["ok"], ["cnt"], config=config)
        elapsed += time.perf_counter() - started
        predicted = {frozenset(s.slice.items()) for s in result.slices}
        hits = len(predicted & set(case.causes))
        true_positive += hits
        false_positive += len(predicted) - hits
        false_negative += len(case.causes) - hits
        if args.verbose:
            mark = "ok " if hits == len(case.causes) == len(predicted) else "ERR"
            shown = [f"{dict(s.slice)} {s.share:.2f}" for s in result.slices]
            print(f"{mark} {case.name}: predicted {shown} labelled {[dict(c) for c in case.causes]}")

    precision = true_positive / max(true_positive + false_positive, 1)
    recall = true_positive / max(true_positive + false_negative, 1)
    f1 = 2 * true_positive / max(2 * true_positive + false_positive + false_negative, 1)
    print(f"RS benchmark: {len(cases)} cases, config {config.model_dump()}")
    print(f"{'method':32s} {'F1':>6s}")
    print(
        f"{'ours (' + result.algorithm + ')':32s} {f1:6.3f}   precision {precision:.3f} recall {recall:.3f}"
    )
    for method, score in REFERENCE.items():
        print(f"{method:32s} {score:6.3f}")
    print(f"time per case (localise only): {1000 * elapsed / len(cases):.1f} ms")


if __name__ == "__main__":
    main()
