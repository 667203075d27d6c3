"""``memberops import`` in another process while the service answers commands: no lock errors, and every
answer reads one version of the data — the day before the import or the day it added, never a mix."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

from bot.context import AppContext
from core.calendar import ChineseCalendar
from core.cube import dimension_columns
from core.demo import generate_demo
from handlers.data_import import campaign_tokens
from handlers.dispatch import run_command
from storage.catalog_repo import upsert_campaigns, upsert_resources, upsert_segments
from storage.import_log import record_import
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade

END = dt.date(2026, 11, 20)
ROOT = Path(__file__).resolve().parents[1]


def test_an_import_while_serving_causes_no_lock_error_and_lands_whole(tmp_path: Path) -> None:
    demo = generate_demo(end=END, days=70, seed=4, calendar=ChineseCalendar())
    earlier = demo.metrics[demo.metrics["date"] < str(END)]
    new_day = demo.metrics[demo.metrics["date"] == str(END)]
    database = f"sqlite:///{tmp_path / 'serve.db'}"
    context = AppContext.from_environment(database_url=database)
    upgrade(context.engine)
    rows = upsert_metrics(context.engine, earlier, dimension_columns(demo.metrics))
    upsert_segments(context.engine, demo.segments)
    upsert_campaigns(context.engine, demo.campaigns, campaign_tokens(demo.campaigns))
    upsert_resources(context.engine, demo.resources)
    record_import(context.engine, kind="metrics", source="test", rows=rows)
    csv = tmp_path / "new_day.csv"
    new_day.assign(date=new_day["date"].dt.strftime("%Y-%m-%d")).to_csv(csv, index=False)

    titles: list[str] = []
    failures: list[BaseException] = []
    importing = threading.Event()

    def ask() -> None:
        try:
            while True:
                titles.append(run_command("/mo-why", context.handler_context()).title)
                if not importing.is_set() and any(str(END) in t for t in titles[-2:]):
                    return
        except BaseException as exc:
            failures.append(exc)

    importing.set()
    askers = [threading.Thread(target=ask) for _ in range(2)]
    for thread in askers:
        thread.start()
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import app; app()", "import", "metrics", str(csv)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    importing.clear()
    for thread in askers:
        thread.join(timeout=300)

    assert done.returncode == 0, done.stderr
    assert f"imported {len(new_day)} metrics rows" in done.stdout
    assert "locked" not in done.stderr
    assert not failures
    dates = {m for t in titles for m in re.findall(r"\d{4}-\d{2}-\d{2}", t)}
    assert dates <= {str(END - dt.timedelta(days=1)), str(END)}, titles  # one version per answer
    assert str(END) in titles[-1] or str(END) in titles[-2]
    assert all(t.startswith("为什么") for t in titles), titles  # answers, never an error card
