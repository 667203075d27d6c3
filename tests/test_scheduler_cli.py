"""``memberops deliveries``: recent rows with status and error; ``--resend`` queues a failed one again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from handlers.card import Card
from scheduler.outbox import queue_card
from storage.db import make_engine
from storage.migrate import upgrade
from storage.outbox_repo import claim_next, deliveries_of, mark_failed

runner = CliRunner()
T0 = dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)


def test_deliveries_lists_rows_and_resends_a_failed_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"DATABASE_URL": url, "DATA_DIR": str(tmp_path)}
    assert runner.invoke(app, ["deliveries"], env=env).output.strip() == "no deliveries yet"
    engine = make_engine(url)
    upgrade(engine)
    queue_card(
        engine,
        digest_key="digest:2026-03-02",
        kind="digest",
        day=dt.date(2026, 3, 2),
        card=Card(title="D"),
        channels=["slack"],
        now=T0,
    )
    row = claim_next(engine, ["slack"], "w", T0, dt.timedelta(minutes=5))
    assert row is not None
    mark_failed(engine, row.id, "gave up after 6 tries: slack HTTP 503", T0)

    result = runner.invoke(app, ["deliveries"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["id", "digest", "channel", "status", "tries", "updated", "(UTC)", "error"]
    assert lines[1].split() == [
        "1",
        "digest:2026-03-02",
        "slack",
        "failed",
        "1",
        "2026-03-03",
        "01:00:00",
        "gave",
        "up",
        "after",
        "6",
        "tries:",
        "slack",
        "HTTP",
        "503",
    ]
    result = runner.invoke(app, ["deliveries", "--resend", "1"], env=env)
    assert result.output.splitlines()[0].startswith("1 failed deliveries queued again")
    [stored] = deliveries_of(engine, "digest:2026-03-02")
    assert (stored.status, stored.attempts) == ("pending", 0)
    engine.dispose()
