"""The pipeline with the real scan on a stored synthetic cube (SQLite): the injected revenue drop is found,
announced once, stays quiet the next day while it continues, and the digest goes to the console.

The digest card is a stand-in until ``handlers.alert_card`` lands (the pipeline takes its builders)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from core.cube import dimension_columns
from core.detection.synthetic import clean_cube, scale_measures
from scheduler.channels import ConsoleChannel
from scheduler.pipeline import AlertRuntime, run_daily
from scheduler.settings import SchedulerSettings
from storage.db import make_engine
from storage.import_log import record_import
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade
from storage.outbox_repo import deliveries_of
from storage.tables import AlertRecord
from tests.test_scheduler_support import CALENDAR, STANDIN_CARDS, TZ, FakeClock, handler_context, local

END = dt.date(2025, 11, 20)  # an ordinary Thursday
DROP = dt.date(2025, 11, 19)


def test_real_scan_announces_a_drop_once_and_keeps_the_continuation_quiet(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pipeline.db'}")
    upgrade(engine)
    cube = scale_measures(
        clean_cube(END, days=90, seed=3, calendar=CALENDAR), DROP, END, factor=0.6, measures=("revenue",)
    )
    upsert_metrics(engine, cube, dimension_columns(cube), replace=True)
    record_import(engine, kind="test", source="synthetic", rows=len(cube))
    stream = io.StringIO()
    clock = FakeClock(local(DROP + dt.timedelta(days=1), 9))
    runtime = AlertRuntime(
        engine=engine,
        channels={"console": ConsoleChannel(stream)},
        handler_context=lambda: handler_context(engine),
        timezone=TZ,
        settings=SchedulerSettings(),
        clock=clock,
        worker="t",
        cards=STANDIN_CARDS,
    )
    first = run_daily(runtime)
    assert first.state == "queued" and first.announced >= 1
    text = stream.getvalue()
    assert "Digest 2025-11-19" in text
    assert "severe arpu total -40.2%" in text  # the incident is led by 边现 (revenue / DAU)
    clock.advance(days=1)
    second = run_daily(runtime)
    assert second.state == "queued"
    from storage.alerts_repo import records_of_day

    records: list[AlertRecord] = records_of_day(engine, END)
    arpu_total = next(r for r in records if r.key == "2025-11-20|arpu|*")
    assert (arpu_total.decision, arpu_total.announced) == ("continuing", False)
    assert "arpu total" not in stream.getvalue().split("Digest 2025-11-20")[1]
    assert [r.status for r in deliveries_of(engine, "digest:2025-11-20")] == ["sent"]
    engine.dispose()


def test_the_digest_scan_is_the_one_why_uses_and_survives_an_empty_database(tmp_path) -> None:
    """The morning scan goes through handlers.scan (campaigns included, shared with /why until the data
    changes); with nothing imported it reports "not enough data" instead of failing the job."""
    import datetime as dt

    from bot.context import AppContext
    from core.config import load_settings
    from core.detection import DetectionConfig
    from scheduler.pipeline import default_scan
    from storage.migrate import upgrade

    context = AppContext(load_settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}"))
    upgrade(context.engine)
    result = default_scan(dt.date(2026, 11, 23), context.handler_context(), DetectionConfig())
    assert [s.status for s in result.statuses] == ["not_enough_data"] and result.alerts == []
