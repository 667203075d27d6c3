"""How the cube path holds a big team's cube: the embedded store and a PostgreSQL warehouse table, side by side.

Run: ``.venv/bin/python bench/cube_scale.py [--case tiny|10k|100k|both] [--full-frame]``

A generated cube (``--case 10k``: 10,240 leaves × 180 days = 1.84 M rows; ``100k``: 100,000 leaves × 365 days
= 36.5 M rows; 5 dimensions, weekly pattern, noise, and one platform losing 30 % of its DAU and revenue on
the last day so that the root-cause path runs) is written

* into the embedded store (SQLite, ``memberops import``'s bulk upsert) — the 10k case only by default:
  the embedded store still loads the whole cube into memory for a scan (``--embedded-100k`` to try anyway);
* into a PostgreSQL table with the team's own column names (``TEST_POSTGRES_URL``, a throw-away database,
  loaded with COPY, an index on the date column as a warehouse would have its partitions).

Every measured step runs in a fresh process, so its peak RSS is its own:

* ``scan`` — the morning scan of the last day with root causes, through the product's handler (``scan_days``);
  for PostgreSQL also the rows the warehouse sent: once with the series cache empty (all days but the
  last loaded: the first morning after set-up), then after the last day lands (a normal morning: the
  series of the new day and of the rechecked recent days are read, the rest comes from the cache);
* ``why`` — ``/mo-why`` right after start (first) and again (repeated), through the dispatcher;
* reference (``--full-frame``, and always for 10k): today's path before the source layer, the whole cube
  loaded into pandas and scanned in memory.

Targets (issue 16): embedded scan ≤ 30 s and ≤ 2 GB; PostgreSQL scan ≤ 90 s and ≤ 2 M rows transferred;
/why first ≤ 10 s, repeated ≤ 2 s. The script prints what it measured next to them; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

END = dt.date(2026, 11, 30)
CASES = {
    "tiny": ((2, 2, 2, 3, 2), 70),  # 48 leaves: checks that the script runs, in seconds
    "10k": ((8, 8, 4, 10, 4), 180),  # 10,240 leaves
    "100k": ((10, 10, 5, 20, 10), 365),  # 100,000 leaves
}
DIMENSIONS = ("segment", "content_type", "platform", "resource_position", "discount_type")
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TABLE = "ads_member_cube"


# -- the cube -----------------------------------------------------------------------------------------------
def leaf_table(cards: tuple[int, ...], rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    values = [
        [f"{name[:3]}{i:02d}" for i in range(card)] for name, card in zip(DIMENSIONS, cards, strict=True)
    ]
    leaves = pd.DataFrame(list(itertools.product(*values)), columns=list(DIMENSIONS))
    weight = np.ones(len(leaves))
    for name, card in zip(DIMENSIONS, cards, strict=True):
        share = rng.dirichlet(np.full(card, 3.0))
        weight *= share[leaves[name].str[3:].astype(int).to_numpy()]
    return leaves, weight / weight.sum()


def days_of_cube(cards: tuple[int, ...], days: int, seed: int = 1):  # type: ignore[no-untyped-def]
    """Yield one frame per day (never the whole cube in memory)."""
    rng = np.random.default_rng(seed)
    leaves, weight = leaf_table(cards, rng)
    arpu = rng.uniform(0.2, 0.8, len(leaves))
    dates = pd.date_range(end=pd.Timestamp(END), periods=days, freq="D")
    for date in dates:
        lift = 1.15 if date.day_of_week >= 5 else 1.0
        dau = np.round(5e7 * lift * weight * np.exp(rng.normal(0, 0.03, len(leaves)))) + 1
        revenue = dau * arpu * np.exp(rng.normal(0, 0.03, len(leaves)))
        if date == dates[-1]:  # the incident the scan must find and localise
            hit = (leaves["platform"] == "pla01").to_numpy()
            dau[hit] *= 0.7
            revenue[hit] *= 0.7
        frame = leaves.copy()
        frame.insert(0, "date", date)
        frame["dau"] = dau
        frame["revenue"] = np.round(revenue, 2)
        frame["new_members"] = np.round(dau * 0.004)
        frame["renew_members"] = np.round(dau * 0.006)
        yield frame


# -- loading ------------------------------------------------------------------------------------------------
def load_embedded(database: Path, cards: tuple[int, ...], days: int) -> float:
    from storage.db import make_engine
    from storage.import_log import record_import
    from storage.metrics_repo import upsert_metrics
    from storage.migrate import upgrade

    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    started = time.perf_counter()
    rows = 0
    batch: list[pd.DataFrame] = []
    for frame in days_of_cube(cards, days):
        batch.append(frame)
        if sum(len(b) for b in batch) >= 1_000_000:
            rows += upsert_metrics(engine, pd.concat(batch, ignore_index=True), list(DIMENSIONS))
            batch = []
    if batch:
        rows += upsert_metrics(engine, pd.concat(batch, ignore_index=True), list(DIMENSIONS))
    record_import(engine, kind="metrics", source="bench", rows=rows)
    engine.dispose()
    return time.perf_counter() - started


def postgres_database() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage.db import normalise_url

    admin_url = normalise_url(POSTGRES_ADMIN_URL)
    name = f"memberops_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage.db import normalise_url

    name = make_url(url).database
    admin = create_engine(normalise_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def load_postgres(url: str, frames) -> float:  # type: ignore[no-untyped-def]
    """COPY ``frames`` (days) into the table, creating it and its date index the first time."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    started = time.perf_counter()
    with psycopg.connect(plain, autocommit=True) as connection:
        dims = ", ".join(f"{d} text not null" for d in DIMENSIONS)
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (stat_date date not null, {dims}, active_users double precision, "
            "rev_yuan double precision, new_members double precision, renew_members double precision)"
        )
        with connection.cursor() as cursor, cursor.copy(f"COPY {TABLE} FROM STDIN") as copy:
            for frame in frames:
                buffer = io.StringIO()
                frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d")).to_csv(
                    buffer, sep="\t", header=False, index=False
                )
                copy.write(buffer.getvalue())
        connection.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_day ON {TABLE} (stat_date)")
        connection.execute(f"ANALYZE {TABLE}")
    return time.perf_counter() - started


# -- measured steps (each in its own process) ---------------------------------------------------------------
def run_step(step: str, database: str, source: str | None) -> dict:
    from bot.context import AppContext
    from handlers.dispatch import run_command
    from handlers.scan import scan_days

    settings: dict[str, object] = {"database_url": database}
    if source:
        settings |= {
            "metrics_source": source,
            "metrics_table": TABLE,
            "metrics_date_column": "stat_date",
            "metrics_measures": "dau=active_users,revenue=rev_yuan",
        }
    context = AppContext.from_environment(**settings)
    out: dict[str, object] = {}
    started = time.perf_counter()
    if step == "scan":
        result = scan_days(context.data, context.calendar)
        out["alerts"] = [
            {"metric": a.metric, "scope": a.scope, "causes": [c.slice for c in a.root_causes[:2]]}
            for a in result.alerts[:3]
        ]
    elif step == "why":
        card = run_command("/mo-why", context.handler_context())
        out["first_s"] = time.perf_counter() - started
        out["title"] = card.title
        again = time.perf_counter()
        run_command("/mo-why", context.handler_context())
        out["repeat_s"] = time.perf_counter() - again
    elif step == "full-frame":
        from core.detection import scan

        cube = context.source.load_cube()
        out["rows_loaded"] = len(cube)
        result = scan(cube, None, calendar=context.calendar)
        out["alerts"] = [{"metric": a.metric, "scope": a.scope} for a in result.alerts[:3]]
    out["seconds"] = time.perf_counter() - started
    out["rows_read"] = getattr(context.source, "rows_read", None)
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def measured(step: str, database: str, source: str | None) -> dict:
    command = [sys.executable, __file__, "--step", step, "--database", database]
    if source:
        command += ["--source", source]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}"
    return f"{value:,}{unit}" if isinstance(value, int) else str(value)


def bench_case(name: str, *, embedded: bool, full_frame: bool) -> list[list[str]]:
    cards, days = CASES[name]
    label = f"{int(np.prod(cards)):,} × {days}"
    rows: list[list[str]] = []

    def row(step: str, ours: str, target: str = "", alerts: str = "") -> None:
        rows.append([label, step, ours, target, alerts])

    def scanned(step: str, database: str, source: str | None, target: str = "") -> None:
        scan = measured("full-frame" if step.startswith("reference") else "scan", database, source)
        sent = f", {fmt(scan.get('rows_read'))} rows" if source else ""
        row(step, _time_rss(scan) + sent, target, _alerts(scan))

    work = Path(tempfile.mkdtemp(prefix="cube_scale_"))
    app_db = f"sqlite:///{work / 'app.db'}"
    from storage.db import make_engine
    from storage.migrate import upgrade

    upgrade(make_engine(app_db))
    if embedded:
        row(
            "embedded: initial import (SQLite upsert)",
            fmt(load_embedded(work / "embedded.db", cards, days), " s"),
            "≤ 300 s",
        )
        embedded_db = f"sqlite:///{work / 'embedded.db'}"
        scanned("embedded: daily scan with root causes", embedded_db, None, "≤ 30 s, ≤ 2 GB")
        row("embedded: /mo-why first / repeated", _why(measured("why", embedded_db, None)), "≤ 10 s / ≤ 2 s")
    url = postgres_database()
    try:
        generated = days_of_cube(cards, days)
        seconds = load_postgres(url, itertools.islice(generated, days - 1))
        row("PostgreSQL: table load, all days but the last (COPY)", fmt(seconds, " s"), "(setup)")
        scanned("PostgreSQL source: first scan (series cache empty)", app_db, url)
        seconds = load_postgres(url, generated)  # the last day arrives overnight
        row("PostgreSQL: the next day's rows land (COPY)", fmt(seconds, " s"), "(setup)")
        scanned("PostgreSQL source: daily scan (the new day)", app_db, url, "≤ 90 s, ≤ 2 M rows")
        why = measured("why", app_db, url)
        row("PostgreSQL source: /mo-why first / repeated", _why(why), "≤ 10 s / ≤ 2 s", why.get("error", ""))
        if full_frame:
            scanned("reference: whole cube into pandas, then scan", app_db, url)
    finally:
        drop_postgres_database(url)
    return rows


def _time_rss(result: dict) -> str:
    if "error" in result:
        return f"failed: {result['error']}"
    return f"{result['seconds']:.1f} s, {result['peak_rss_mb']:,.0f} MB"


def _why(result: dict) -> str:
    if "error" in result:
        return f"failed: {result['error']}"
    return f"{result['first_s']:.1f} s / {result['repeat_s']:.2f} s, {result['peak_rss_mb']:,.0f} MB"


def _alerts(result: dict) -> str:
    found = result.get("alerts") or []
    return "; ".join(f"{a['metric']} {a['scope'] or 'total'} → {a.get('causes', '')}" for a in found[:2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=["tiny", "10k", "100k", "both"], default="10k")
    parser.add_argument("--full-frame", action="store_true", help="also the whole-cube reference for 100k")
    parser.add_argument("--embedded-100k", action="store_true", help="also the embedded store for 100k")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.database, args.source), default=str))
        return
    cases = ["10k", "100k"] if args.case == "both" else [args.case]
    table: list[list[str]] = []
    for case in cases:
        big = case == "100k"
        table += bench_case(
            case, embedded=not big or args.embedded_100k, full_frame=not big or args.full_frame
        )
    print("| cube | step | ours (time, peak RSS) | target | first alerts → root causes |")
    print("|---|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
