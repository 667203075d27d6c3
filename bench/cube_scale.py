"""How the cube path holds a big team's cube: the embedded store and a PostgreSQL warehouse table, side by side.

Run: ``.venv/bin/python bench/cube_scale.py [--case tiny|10k|100k|both] [--full-frame] [--no-embedded]``

A generated cube (``--case 10k``: 10,240 leaves × 180 days = 1.84 M rows; ``100k``: 100,000 leaves × 365 days
= 36.5 M rows; 5 dimensions, weekly pattern, noise, and one platform losing 30 % of its DAU and revenue on
the last day so that the root-cause path runs) is written

* into the embedded store, through ``memberops import``'s own path: a Parquet file a month for all days but
  the last (the initial import), then the last day's file (what a night adds); the catalog tables are the
  demo's, segments renamed to the generated ones, so that the planners have theirs;
* into a PostgreSQL table with the team's own column names (``TEST_POSTGRES_URL``, a throw-away database,
  loaded with COPY, an index on the date column as a warehouse would have its partitions).

Every measured step runs in a fresh process, so its peak RSS is its own:

* ``scan`` — the morning scan of the last day with root causes, through the product's handler (``scan_days``);
  for PostgreSQL also the rows the warehouse sent: once with the series cache empty (all days but the
  last loaded: the first morning after set-up), then after the last day lands (a normal morning: the
  series of the new day and of the rechecked recent days are read, the rest comes from the cache);
* ``why`` — ``/mo-why`` right after start (first) and again (repeated), through the dispatcher;
* ``day`` — the service's memory after a day: the scan and ten commands (/mo-why, /mo-goal, /mo-strategy,
  /mo-budget, /mo-retro, /mo-search) on one process;
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
import shutil
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
def write_month_files(work: Path, cards: tuple[int, ...], days: int) -> tuple[list[Path], Path]:
    """The cube as a warehouse exports it: one Parquet file a month for all days but the last, and the last
    day's file (what arrives overnight). Generated before anything is timed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    months: dict[str, list[pd.DataFrame]] = {}
    last_day = work / "last_day.parquet"
    month_files: list[Path] = []
    for index, frame in enumerate(days_of_cube(cards, days)):
        if index == days - 1:
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), last_day)
            break
        month = f"{frame['date'].iloc[0]:%Y-%m}"
        if months and month not in months:
            month_files.append(_write_month(work, *months.popitem()))
        months.setdefault(month, []).append(frame)
    for month, parts in months.items():
        month_files.append(_write_month(work, month, parts))
    return month_files, last_day


def _write_month(work: Path, month: str, parts: list[pd.DataFrame]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = work / f"cube_{month}.parquet"
    pq.write_table(pa.Table.from_pandas(pd.concat(parts, ignore_index=True), preserve_index=False), path)
    return path


def load_catalog(database: str) -> None:
    """The demo's segments, campaigns and resources, segments renamed to the generated cube's values, so
    that the planners have their tables (not timed)."""
    from core.calendar import ChineseCalendar
    from core.demo import generate_demo
    from handlers.data_import import campaign_tokens
    from storage.catalog_repo import upsert_campaigns, upsert_resources, upsert_segments
    from storage.db import make_engine

    demo = generate_demo(end=END, days=60, seed=1, calendar=ChineseCalendar())
    names = {old: f"seg{i:02d}" for i, old in enumerate(demo.segments["segment"])}
    segments = demo.segments.assign(segment=demo.segments["segment"].map(names))
    campaigns = demo.campaigns.assign(
        target_segment=demo.campaigns["target_segment"].map(names).fillna("seg00")
    )
    engine = make_engine(database)
    upsert_segments(engine, segments)
    upsert_campaigns(engine, campaigns, campaign_tokens(campaigns))
    upsert_resources(engine, demo.resources)
    engine.dispose()


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
DAY_OF_COMMANDS = (
    "/mo-why",
    "/mo-why 本周 边现",
    "/mo-why 转化率",
    "/mo-goal 提升seg00收入15% 30天",
    "/mo-strategy 提升seg01会员收入",
    "/mo-budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万",
    f"/mo-retro {END - dt.timedelta(days=13)} {END - dt.timedelta(days=7)}",
    "/mo-retro 上周",
    "/mo-search 周末",
    "/mo-why",
)


def run_step(step: str, database: str, source: str | None, files: list[str] | None = None) -> dict:
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
    elif step == "import":
        from handlers.data_import import import_file

        out["rows"] = sum(import_file(context.engine, "metrics", Path(f)).rows for f in files)
    elif step == "day":  # the service's memory after a day of commands on one process
        from handlers.scan import scan_days

        scan_days(context.data, context.calendar)
        out["answers"] = []
        for command in DAY_OF_COMMANDS:
            asked = time.perf_counter()
            card = run_command(command, context.handler_context())
            out["answers"].append(f"{command.split()[0]} {time.perf_counter() - asked:.1f} s: {card.title}")
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


def measured(step: str, database: str, source: str | None, files: list[Path] | None = None) -> dict:
    command = [sys.executable, __file__, "--step", step, "--database", database]
    if source:
        command += ["--source", source]
    if files:
        command += ["--files", ",".join(str(f) for f in files)]
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
        months, last_day = write_month_files(work, cards, days)
        embedded_db = f"sqlite:///{work / 'embedded.db'}"
        upgrade(make_engine(embedded_db))
        load_catalog(embedded_db)
        imported = measured("import", embedded_db, None, months)
        row(
            f"embedded: initial import, {len(months)} monthly Parquet files (memberops import)",
            _time_rss(imported),
            "≤ 300 s",
        )
        imported = measured("import", embedded_db, None, [last_day])
        row("embedded: import of the new day", _time_rss(imported), "≤ 10 s")
        scanned("embedded: daily scan with root causes", embedded_db, None, "≤ 30 s, ≤ 2 GB")
        row("embedded: /mo-why first / repeated", _why(measured("why", embedded_db, None)), "≤ 10 s / ≤ 2 s")
        day = measured("day", embedded_db, None)
        row(
            f"embedded: service after a day ({len(DAY_OF_COMMANDS)} commands + the scan)",
            _time_rss(day),
            "≤ 2.5 GB",
            "; ".join(day.get("answers", [])),
        )
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
        shutil.rmtree(work, ignore_errors=True)
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
    parser.add_argument("--no-embedded", action="store_true", help="only the PostgreSQL source")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--files", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        files = args.files.split(",") if args.files else None
        print(json.dumps(run_step(args.step, args.database, args.source, files), default=str))
        return
    cases = ["10k", "100k"] if args.case == "both" else [args.case]
    table: list[list[str]] = []
    for case in cases:
        big = case == "100k"
        table += bench_case(case, embedded=not args.no_embedded, full_frame=not big or args.full_frame)
    print("| cube | step | ours (time, peak RSS) | target | first alerts → root causes |")
    print("|---|---|---|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
