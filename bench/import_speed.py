"""How fast ``memberops import metrics`` reads and validates a million-row cube file.

Run: ``.venv/bin/python bench/import_speed.py [ROWS]``. Writes synthetic metrics CSVs (250 days × 4,000
unique dimension combinations = 1,000,000 rows by default) to a temporary directory and prints rows per
second for: plain numbers (the typed fast read), DAU written as quoted ``"12,345"`` (the all-text read),
a file whose every row has a negative revenue (refused), and the storage write of the validated plain file
into the embedded store (date-partitioned Parquet files) — first into an empty cube, then again as a
re-import that updates every row (each day's file merged with the stored one).
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from core.importing import ImportBatch, ImportRejected, read_import_file
from storage.db import make_engine
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade

SEGMENTS = ["新客", "老客", "流失召回", "高潜", "沉默"]
CONTENT_TYPES = ["家庭剧", "动漫", "综艺", "电影"]
PLATFORMS = ["iOS", "Android", "TV", "Web", "小程序"]
POSITIONS = [f"首页位{i}" for i in range(1, 11)]
DISCOUNTS = ["无", "首月9.9", "8折", "连续包月"]


@dataclass(frozen=True)
class PhaseTiming:
    phase: str
    rows: int
    seconds: float

    def line(self) -> str:
        speed = self.rows / self.seconds
        return f"{self.phase:<28} {self.rows:>10,} rows  {self.seconds:7.2f} s  {speed:>12,.0f} rows/s"


def write_metrics_csv(path: Path, rows: int, seed: int = 0, *, thousands_separators: bool = False) -> None:
    """A cube CSV with unique (date, dimensions) keys and plausible non-negative measures.

    With ``thousands_separators`` DAU is written as ``"12,345"``, which sends the reader down its
    all-text path (the slower one: see ``core.importing.table``).
    """
    combinations = list(product(SEGMENTS, CONTENT_TYPES, PLATFORMS, POSITIONS, DISCOUNTS))
    days = -(-rows // len(combinations))
    dates = pd.date_range("2024-01-01", periods=days).strftime("%Y-%m-%d")
    keys = pd.DataFrame(
        [(date, *combo) for date in dates for combo in combinations][:rows],
        columns=["date", "segment", "content_type", "platform", "resource_position", "discount_type"],
    )
    rng = np.random.default_rng(seed)
    dau = rng.integers(1, 50_000, rows)
    keys["dau"] = [f"{value:,}" for value in dau] if thousands_separators else dau
    keys["revenue"] = np.round(dau * rng.uniform(0.05, 0.6, rows), 2)
    keys["new_members"] = rng.integers(0, 200, rows)
    keys["renew_members"] = rng.integers(0, 300, rows)
    keys.to_csv(path, index=False)


def time_read_and_validate(path: Path) -> tuple[ImportBatch, PhaseTiming]:
    started = time.perf_counter()
    batch = read_import_file(path, "metrics")
    return batch, PhaseTiming("read + validate", batch.rows, time.perf_counter() - started)


def time_rejected_file(path: Path) -> PhaseTiming:
    """A file whose every row is wrong: the reader must still answer fast and keep few problems."""
    started = time.perf_counter()
    try:
        read_import_file(path, "metrics")
    except ImportRejected as rejected:
        return PhaseTiming(
            f"reject ({rejected.total:,} problems)", rejected.total, time.perf_counter() - started
        )
    raise AssertionError("the broken file was accepted")


def time_storage_write(batch: ImportBatch, url: str, label: str) -> list[PhaseTiming]:
    """Write the validated cube into an empty, migrated database, then re-import it (upsert of every row)."""
    engine = make_engine(url)
    upgrade(engine)
    timings = []
    for phase in ("insert", "re-import"):
        started = time.perf_counter()
        upsert_metrics(engine, batch.frame, list(batch.dimensions or []))
        timings.append(PhaseTiming(f"{label} {phase}", batch.rows, time.perf_counter() - started))
    engine.dispose()
    return timings


def main(rows: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as directory:
        for label, separators in (("plain numbers", False), ("quoted 1,234 numbers", True)):
            path = Path(directory) / f"metrics-{separators}.csv"
            started = time.perf_counter()
            write_metrics_csv(path, rows, thousands_separators=separators)
            size_mb = path.stat().st_size / 1e6
            print(f"{label}: wrote {rows:,} rows ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s")
            batch, timing = time_read_and_validate(path)
            print("  " + timing.line())
            if not separators:
                plain_batch = batch
        broken = Path(directory) / "metrics-broken.csv"
        frame = pd.read_csv(Path(directory) / "metrics-False.csv", dtype=str, keep_default_na=False)
        frame["revenue"] = "-" + frame["revenue"]
        frame.to_csv(broken, index=False)
        print("  " + time_rejected_file(broken).line())
        print("storage write (the embedded store: a Parquet file a day, listed in SQLite):")
        for timing in time_storage_write(
            plain_batch, f"sqlite:///{Path(directory) / 'bench.db'}", "embedded"
        ):
            print("  " + timing.line())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
