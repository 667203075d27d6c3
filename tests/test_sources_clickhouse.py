"""The cube read from a ClickHouse table — through chDB, ClickHouse's engine in the process, reached with the
same client (clickhouse-connect) and the same SQL a ClickHouse server gets.

The demo cube is written into a MergeTree table with the team's own column names, LowCardinality dimensions
and a Nullable measure, then named through the METRICS_* settings (``METRICS_SOURCE=chdb:////dir``). What
chDB cannot show: a server's users and passwords, its network and its HTTP transport (an unreachable
``clickhouse://`` host is tested; a wrong password is not).
"""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import clickhouse_connect
import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.cube import DATE, MEASURES, dimension_columns
from core.cube_reader import grouping_sets
from core.demo import generate_demo
from handlers.dispatch import run_command
from handlers.scan import scan_days
from storage.sources import SourceError
from storage.sources.check import check_source
from tests.support.handler_fixtures import card_texts
from tests.support.rounding import rounded
from tests.support.warehouse import DAYS, END, RENAMED, Warehouse, app_database, context_for


@pytest.fixture(scope="module")
def demo():
    return generate_demo(end=END, days=DAYS, seed=11, calendar=ChineseCalendar())


def write_table(client, name: str, frame: pd.DataFrame, dimensions: list[str]) -> None:  # type: ignore[no-untyped-def]
    dims = ", ".join(f"`{d}` LowCardinality(String)" for d in dimensions)
    client.command(
        f"CREATE TABLE {name} (stat_date Date, {dims}, active_users Float64, rev_yuan Nullable(Float64), "
        "new_members Float64, renew_members Float64, etl_batch UInt32) ENGINE = MergeTree ORDER BY stat_date"
    )
    if len(frame):
        rows = frame.rename(columns=RENAMED).assign(etl_batch=20261121)
        rows["stat_date"] = rows["stat_date"].dt.date
        columns = [
            "stat_date",
            *dimensions,
            "active_users",
            "rev_yuan",
            "new_members",
            "renew_members",
            "etl_batch",
        ]
        client.insert(name, rows[columns].values.tolist(), column_names=columns)


@pytest.fixture(scope="module")
def clickhouse(demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    directory = tmp_path_factory.mktemp("chdb")
    writer = clickhouse_connect.get_client(dsn=f"chdb://{directory}")
    writer.command("CREATE DATABASE IF NOT EXISTS ads")
    dimensions = dimension_columns(demo.metrics)
    write_table(writer, "ads.member_cube", demo.metrics, dimensions)
    write_table(writer, "ads.empty_cube", demo.metrics.iloc[:0], dimensions)
    yield Warehouse("clickhouse", f"chdb:///{directory}", "ads.member_cube", ",".join(dimensions))
    writer.close()


def test_the_clickhouse_cube_is_the_imported_cube_and_grouping_sets_are_pushed_down(clickhouse, demo) -> None:
    source = clickhouse.source()
    dimensions = source.dimensions()
    cube = source.load_cube().sort_values([DATE, *dimensions], ignore_index=True)
    expected = demo.metrics.sort_values([DATE, *dimensions], ignore_index=True)
    pd.testing.assert_frame_equal(cube, expected[cube.columns], check_dtype=False)

    start = END - dt.timedelta(days=13)
    series = source.series(dimensions, start, END)
    want = grouping_sets(demo.metrics[demo.metrics[DATE] >= pd.Timestamp(start)], dimensions)
    assert (series["value"].to_numpy() == want["value"].to_numpy()).all()
    for measure in MEASURES:
        assert series[measure].to_numpy() == pytest.approx(want[measure].to_numpy(), rel=1e-12)
    assert source.rows_read == len(cube) + len(series)  # sums came back, not the leaves of 14 days


def test_same_cube_gives_the_same_alerts_and_why_numbers_as_the_embedded_import(
    clickhouse, demo, tmp_path: Path
) -> None:
    embedded = context_for(app_database(tmp_path, demo, with_cube=True))
    remote = context_for(app_database(tmp_path, demo, with_cube=False), clickhouse)
    assert remote.source.name == "clickhouse"

    scans = [
        scan_days(c.data, c.calendar, start=END - dt.timedelta(days=20), end=END).model_dump(mode="json")
        for c in (embedded, remote)
    ]
    assert sum(len(s["alerts"]) for s in scans) > 0
    assert rounded(scans[0]) == rounded(scans[1])
    for question in ("/mo-why", "/mo-why 本周 边现", f"/mo-why {END - dt.timedelta(days=2)} 收入 TV 家庭剧"):
        cards = [run_command(question, c.handler_context()) for c in (embedded, remote)]
        assert cards[0].title.startswith("为什么"), (question, cards[0].title)
        assert cards[0].title == cards[1].title and card_texts(cards[0]) == card_texts(cards[1]), question


def test_source_check_passes_and_names_the_setting_at_fault(clickhouse) -> None:
    report = check_source(clickhouse.source())
    assert report.engine.startswith("chDB (ClickHouse) ")
    assert report.last_day == END and report.grouping_check.startswith(f"ok — {END}")
    assert "etl_batch" not in report.dimensions

    for overrides, setting, words in (
        ({"dimensions": "segment,platfrom"}, "METRICS_DIMENSIONS", "platfrom"),
        ({"table": "ads.no_such_table"}, "METRICS_TABLE", "no_such_table"),
        ({"table": "ads.empty_cube"}, "METRICS_TABLE", "has no rows"),
    ):
        with pytest.raises(SourceError) as caught:
            check_source(clickhouse.source(**overrides))
        assert caught.value.setting == setting and words in str(caught.value)


def test_the_client_is_read_only(clickhouse) -> None:
    source = clickhouse.source()
    with pytest.raises(Exception, match="readonly"):
        source.link.client.command("TRUNCATE TABLE ads.member_cube")
    assert source.date_range().rows == DAYS * 1200  # nothing was removed


def test_a_value_is_bound_not_pasted(clickhouse) -> None:
    source = clickhouse.source()
    sneaky = "TV' OR '1'='1"
    assert source.scoped_daily({"platform": sneaky}).empty  # no such platform: an escaped value, no injection
    assert not source.scoped_daily({"platform": "TV"}).empty


def test_an_unreachable_clickhouse_server_is_named_as_such() -> None:
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = Warehouse(
        "clickhouse",
        f"clickhouse://reader:s3cret-{uuid.uuid4().hex[:4]}@127.0.0.1:{port}/ads",
        "member_cube",
        "segment",
    ).source()
    with pytest.raises(SourceError) as caught:
        check_source(source)
    assert caught.value.setting == "METRICS_SOURCE"
    assert f"cannot reach the warehouse at 127.0.0.1:{port}" in str(caught.value)
    assert "s3cret" not in str(caught.value)
