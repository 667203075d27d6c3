"""The cube read from a team's warehouse table — the real PostgreSQL and the real MariaDB here.

The demo cube is written into a table with the team's own column names (``stat_date``, ``active_users``,
``rev_yuan``) and an ETL column that is not a dimension, then named through the METRICS_* settings. The
product must give the same alerts and /mo-why numbers as the same cube imported into the embedded store,
and ``memberops source check`` must pass on it and fail clearly on a wrong column, a wrong password, an
unreachable host and an empty table.

MariaDB has no GROUPING SETS: it proves the UNION ALL form over the MySQL protocol (what StarRocks and Doris
connect with); their GROUPING SETS SQL is checked with sqlglot's parsers in test_sources_queries.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Column, Date, Double, Integer, MetaData, String, Table, create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from bot.cli import app as cli
from core.calendar import ChineseCalendar
from core.cube import DATE, MEASURES, dimension_columns
from core.cube_reader import grouping_sets
from core.demo import generate_demo
from handlers.dispatch import run_command
from handlers.scan import scan_days
from storage.migrate import upgrade
from storage.sources import SourceError
from storage.sources.check import check_source
from tests.support.handler_fixtures import card_texts
from tests.support.rounding import rounded
from tests.support.warehouse import (
    DAYS,
    END,
    RENAMED,
    Warehouse,
    app_database,
    context_for,
)


@pytest.fixture(scope="module")
def demo():
    return generate_demo(end=END, days=DAYS, seed=11, calendar=ChineseCalendar())


def write_table(url: str, name: str, frame: pd.DataFrame, dimensions: list[str]) -> None:
    """The team's table: renamed columns, an ETL batch column, dimension values as VARCHAR."""
    engine = create_engine(url)
    table = Table(
        name,
        MetaData(),
        Column("stat_date", Date, nullable=False),
        *(Column(d, String(64), nullable=False) for d in dimensions),
        Column("active_users", Double),
        Column("rev_yuan", Double),
        Column("new_members", Double),
        Column("renew_members", Double),
        Column("etl_batch", Integer),
    )
    table.create(engine)
    rows = frame.rename(columns=RENAMED).assign(etl_batch=20261121)
    rows["stat_date"] = rows["stat_date"].dt.date
    records = rows[[c.name for c in table.columns]].to_dict("records")
    with engine.begin() as connection:
        for start in range(0, len(records), 20_000):
            connection.execute(table.insert(), records[start : start + 20_000])
    engine.dispose()


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def warehouse(request: pytest.FixtureRequest, demo) -> Iterator[Warehouse]:
    url = request.getfixturevalue(
        "postgres_server_url" if request.param == "postgresql" else "mariadb_server_url"
    )
    if request.param == "mariadb":
        url = url.replace("mysql+pymysql://", "mariadb://", 1)
    name = f"ads_member_cube_{uuid.uuid4().hex[:6]}"
    dimensions = dimension_columns(demo.metrics)
    write_table(url.replace("mariadb://", "mysql+pymysql://", 1), name, demo.metrics, dimensions)
    yield Warehouse(request.param, url, name, ",".join(dimensions))


def test_the_warehouse_cube_is_the_imported_cube(warehouse: Warehouse, demo) -> None:
    source = warehouse.source()
    cube = source.load_cube()
    expected = demo.metrics.sort_values([DATE, *source.dimensions()], ignore_index=True)
    got = cube.sort_values([DATE, *source.dimensions()], ignore_index=True)
    assert list(got.columns) == [DATE, *dimension_columns(demo.metrics), *MEASURES]
    assert len(got) == DAYS * len(expected.groupby(source.dimensions()).size())
    pd.testing.assert_frame_equal(got, expected[got.columns], check_dtype=False)
    window = source.load_cube(END - dt.timedelta(days=6), END)
    assert sorted(window[DATE].dt.date.unique()) == [END - dt.timedelta(days=i) for i in range(6, -1, -1)]


def test_grouping_sets_are_pushed_down_and_equal_the_sums_of_the_leaves(warehouse: Warehouse, demo) -> None:
    source = warehouse.source()
    dimensions = source.dimensions()
    start = END - dt.timedelta(days=13)
    series = source.series(dimensions, start, END)
    leaves = demo.metrics[demo.metrics[DATE] >= pd.Timestamp(start)]
    expected = grouping_sets(leaves, dimensions)
    assert len(series) == len(expected)
    assert (series["grouping_set"].to_numpy() == expected["grouping_set"].to_numpy()).all()
    assert (series["value"].to_numpy() == expected["value"].to_numpy()).all()
    for measure in MEASURES:
        assert series[measure].to_numpy() == pytest.approx(expected[measure].to_numpy(), rel=1e-12)
    totals = series[series["grouping_set"] == 0]
    assert len(totals) == 14 and set(totals["value"]) == {""}


def test_same_cube_gives_the_same_alerts_and_why_numbers_as_the_embedded_import(
    warehouse: Warehouse, demo, tmp_path: Path
) -> None:
    embedded = context_for(app_database(tmp_path, demo, with_cube=True))
    remote = context_for(app_database(tmp_path, demo, with_cube=False), warehouse)
    assert remote.source.name == ("postgresql" if warehouse.kind == "postgresql" else "mariadb")

    scans = [
        scan_days(c.data, c.calendar, start=END - dt.timedelta(days=20), end=END).model_dump(mode="json")
        for c in (embedded, remote)
    ]
    assert sum(len(s["alerts"]) for s in scans) > 0  # the demo's incidents are in these days
    assert rounded(scans[0]) == rounded(scans[1])  # a warehouse adds in its own order: last-bit differences

    for question in (
        "/mo-why",
        "/mo-why 本周 边现",
        f"/mo-why {END - dt.timedelta(days=3)} 收入",
        f"/mo-why {END - dt.timedelta(days=2)} 收入 TV 家庭剧",  # two dimensions: its trend is its own query
    ):
        cards = [run_command(question, c.handler_context()) for c in (embedded, remote)]
        assert cards[0].title.startswith("为什么"), (question, cards[0].title)  # an answer, not a usage card
        assert cards[0].title == cards[1].title
        assert card_texts(cards[0]) == card_texts(cards[1]), question


def test_breakdown_questions_read_the_same_sums_from_the_warehouse(
    warehouse: Warehouse, demo, tmp_path: Path
) -> None:
    """The whole cube's breakdown comes from the grouped series, a slice's from one GROUP BY in the
    warehouse (UNION-less on MariaDB too): the cards equal the embedded import's."""
    embedded = context_for(app_database(tmp_path, demo, with_cube=True))
    remote = context_for(app_database(tmp_path, demo, with_cube=False), warehouse)
    for question in (
        f"{END} 各平台的边现",  # the handler's "today" is the real one: dates, not 本周
        f"{END - dt.timedelta(days=13)}~{END} 收入最高的人群",
        f"家庭剧 各资源位 DAU {END - dt.timedelta(days=6)}~{END}",
        f"TV 上各优惠类型的转化率 {END - dt.timedelta(days=30)}~{END}",
    ):
        cards = [run_command(question, c.handler_context()) for c in (embedded, remote)]
        assert cards[0].tables and not cards[0].title.startswith("/mo-"), (question, cards[0].title)
        assert rounded(card_texts(cards[0])) == rounded(card_texts(cards[1])), question


def test_memberops_scan_json_reads_the_warehouse(
    warehouse: Warehouse, demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    outputs = []
    for database, source in (
        (app_database(tmp_path, demo, with_cube=True), None),
        (app_database(tmp_path, demo, with_cube=False), warehouse),
    ):
        monkeypatch.setenv("DATABASE_URL", database)
        for key, value in (source.settings() if source else {}).items():
            monkeypatch.setenv(key, value)
        result = runner.invoke(
            cli, ["scan", "--from", str(END - dt.timedelta(days=20)), "--to", str(END), "--json"]
        )
        assert result.exit_code == 0, result.output
        outputs.append(json.loads(result.stdout))
    assert outputs[0] and rounded(outputs[0]) == rounded(outputs[1])


def test_source_check_reports_the_engine_columns_days_and_a_known_grouping(warehouse: Warehouse) -> None:
    report = check_source(warehouse.source())
    text_ = "\n".join(report.lines())
    assert report.engine.startswith("PostgreSQL" if warehouse.kind == "postgresql" else "MariaDB")
    assert report.first_day == END - dt.timedelta(days=DAYS - 1) and report.last_day == END
    assert [d.date for d in report.recent] == [END - dt.timedelta(days=i) for i in range(6, -1, -1)]
    assert len({d.rows for d in report.recent}) == 1  # every day complete
    assert "dau ← active_users" in text_ and "revenue ← rev_yuan" in text_
    assert "etl_batch" not in report.dimensions
    assert report.grouping_check.startswith(f"ok — {END}")


@pytest.mark.parametrize(
    ("overrides", "setting", "words"),
    [
        ({"dimensions": "segment,platfrom"}, "METRICS_DIMENSIONS", "platfrom"),
        ({"date_column": "dt"}, "METRICS_DATE_COLUMN", "'dt'"),
        ({"measures": "dau=active_user"}, "METRICS_MEASURES", "active_user"),
        ({"table": "no_such_table"}, "METRICS_TABLE", "no_such_table"),
    ],
)
def test_source_check_names_the_setting_at_fault(
    warehouse: Warehouse, overrides: dict, setting: str, words: str
) -> None:
    with pytest.raises(SourceError) as caught:
        check_source(warehouse.source(**overrides))
    assert caught.value.setting == setting
    assert words in str(caught.value)


def test_source_check_refuses_an_empty_table(warehouse: Warehouse) -> None:
    empty = f"empty_cube_{uuid.uuid4().hex[:6]}"
    write_table(
        warehouse.url.replace("mariadb://", "mysql+pymysql://", 1),
        empty,
        pd.DataFrame(columns=[DATE, "segment", *MEASURES]).astype({DATE: "datetime64[ns]"}),
        ["segment"],
    )
    with pytest.raises(SourceError) as caught:
        check_source(warehouse.source(table=empty, dimensions="segment"))
    assert caught.value.setting == "METRICS_TABLE"
    assert "has no rows" in str(caught.value)


def test_an_unreachable_warehouse_is_named_as_such(warehouse: Warehouse) -> None:
    url = make_url(warehouse.url).set(host="127.0.0.1", port=9).render_as_string(hide_password=False)
    with pytest.raises(SourceError) as caught:
        check_source(warehouse.source(url=url))
    assert caught.value.setting == "METRICS_SOURCE"
    assert "cannot reach the warehouse at 127.0.0.1:9" in str(caught.value)


def test_a_wrong_password_is_refused_without_showing_it(warehouse: Warehouse) -> None:
    """PostgreSQL here trusts local users, so its wrong credential is an unknown role; MariaDB checks the
    password of a user made for the test."""
    secret = "S3cret-Wrong-Pw"
    admin = create_engine(
        warehouse.url.replace("mariadb://", "mysql+pymysql://", 1), isolation_level="AUTOCOMMIT"
    )
    user = f"mo_{uuid.uuid4().hex[:8]}"
    if warehouse.kind == "mariadb":
        with admin.connect() as connection:
            connection.execute(text(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'the-right-one'"))
    url = make_url(warehouse.url).set(username=user, password=secret).render_as_string(hide_password=False)
    source = warehouse.source(url=url)
    with pytest.raises(SourceError) as caught:
        check_source(source)
    assert caught.value.setting == "METRICS_SOURCE"
    assert f"refused user '{user}'" in str(caught.value)
    assert secret not in str(caught.value) and secret not in repr(source) and "***" in source.shown_url
    if warehouse.kind == "mariadb":
        with admin.connect() as connection:
            connection.execute(text(f"DROP USER '{user}'@'%'"))
    admin.dispose()


def test_the_source_session_is_read_only(warehouse: Warehouse) -> None:
    source = warehouse.source()
    with pytest.raises(Exception) as caught, source.engine.connect() as connection:
        connection.execute(text(f"DELETE FROM {warehouse.table}"))
    assert "read" in str(caught.value).lower() and "only" in str(caught.value).lower()
    assert source.date_range().rows == DAYS * 1200  # nothing was deleted


def test_a_slow_warehouse_answers_in_time_with_a_card_that_says_so(
    warehouse: Warehouse, demo, tmp_path: Path
) -> None:
    """A view that sleeps 5 s per query, read with a 1 s timeout: /mo-why answers after the timeout with a
    card naming it, not a stack trace and not after 5 s."""
    admin = create_engine(warehouse.url.replace("mariadb://", "mysql+pymysql://", 1))
    slow = f"slow_cube_{uuid.uuid4().hex[:6]}"
    sleep = "pg_sleep(5)" if warehouse.kind == "postgresql" else "SLEEP(5)"
    with admin.begin() as connection:
        connection.execute(
            text(
                f"CREATE VIEW {slow} AS SELECT c.* FROM {warehouse.table} c CROSS JOIN (SELECT {sleep} AS s) z"
            )
        )
    admin.dispose()
    context = context_for(
        app_database(tmp_path, demo, with_cube=False),
        warehouse,
        metrics_table=slow,
        metrics_query_timeout_s=1.0,
    )
    started = time.monotonic()
    card = run_command("/mo-why", context.handler_context())
    assert time.monotonic() - started < 4.5
    assert card.title == "数据源暂时不可用"
    texts = " ".join(card_texts(card))
    assert "METRICS_QUERY_TIMEOUT_S" in texts and "超时" in texts


def test_memberops_source_check_passes_and_fails_naming_the_setting(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    for key, value in warehouse.settings().items():
        monkeypatch.setenv(key, value)
    passed = runner.invoke(cli, ["source", "check"])
    assert passed.exit_code == 0, passed.output
    assert f"dates:       {END - dt.timedelta(days=DAYS - 1)} … {END}" in passed.stdout
    assert "grouping:    ok" in passed.stdout

    monkeypatch.setenv("METRICS_DIMENSIONS", "segment,platfrom")
    failed = runner.invoke(cli, ["source", "check"])
    assert failed.exit_code == 2
    assert "error: METRICS_DIMENSIONS: no column 'platfrom'" in failed.stderr


def test_a_half_loaded_day_waits_for_the_rest_then_the_job_goes_ahead(warehouse: Warehouse, demo) -> None:
    """The daily job's data check reads the warehouse: the last day with a third of its rows is not yet
    there; once the load finishes it is."""
    from scheduler.pipeline import source_has_data

    partial = f"loading_cube_{uuid.uuid4().hex[:6]}"
    url = warehouse.url.replace("mariadb://", "mysql+pymysql://", 1)
    frame = demo.metrics[demo.metrics[DATE] >= pd.Timestamp(END - dt.timedelta(days=9))]
    last = frame[DATE] == pd.Timestamp(END)
    dimensions = dimension_columns(demo.metrics)
    first_third = frame[last].iloc[: int(last.sum()) // 3]
    write_table(url, partial, pd.concat([frame[~last], first_third]), dimensions)
    source = warehouse.source(table=partial, refresh_s=0)
    assert source_has_data(source)(END) is False
    assert source_has_data(source)(END - dt.timedelta(days=1)) is True

    rest = frame[last].iloc[int(last.sum()) // 3 :].rename(columns=RENAMED)
    rest["stat_date"] = rest["stat_date"].dt.date
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            Table(partial, MetaData(), autoload_with=connection).insert(), rest.to_dict("records")
        )
    engine.dispose()
    assert source_has_data(source)(END) is True


def test_healthz_reports_the_warehouse_and_its_latest_day(warehouse: Warehouse, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from bot.http_app import create_app

    context = context_for(f"sqlite:///{tmp_path / 'h.db'}", warehouse)
    upgrade(context.engine)
    with TestClient(create_app(context)) as client:
        body = client.get("/healthz").json()
    assert body["ok"] is True
    assert body["source"] == ("postgresql" if warehouse.kind == "postgresql" else "mariadb")
    assert body["last_day"] == str(END) and body["fact_rows"] == DAYS * 1200
    assert body["latest_day_complete"]["arrived"] is True
    assert body["latest_day_complete"]["rows"] == 1200


def test_the_series_cache_asks_the_warehouse_only_for_new_and_restated_days(
    warehouse: Warehouse, demo, tmp_path: Path
) -> None:
    from storage.sources.series_cache import RECHECK_DAYS, SeriesCache

    table = f"growing_cube_{uuid.uuid4().hex[:6]}"
    url = warehouse.url.replace("mariadb://", "mysql+pymysql://", 1)
    dimensions = dimension_columns(demo.metrics)
    start = END - dt.timedelta(days=29)
    window = demo.metrics[
        (demo.metrics[DATE] >= pd.Timestamp(start)) & (demo.metrics[DATE] < pd.Timestamp(END))
    ]
    write_table(url, table, window, dimensions)
    app = context_for(f"sqlite:///{tmp_path / 'cache.db'}").engine
    upgrade(app)
    source = warehouse.source(table=table, refresh_s=0)
    cache = SeriesCache(app, source)

    def direct(last: dt.date) -> pd.DataFrame:
        return source.series(dimensions, start, last)

    def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
        assert list(got["value"]) == list(want["value"]) and list(got["grouping_set"]) == list(
            want["grouping_set"]
        )
        for measure in MEASURES:
            assert got[measure].to_numpy() == pytest.approx(want[measure].to_numpy(), rel=1e-12)

    yesterday = END - dt.timedelta(days=1)
    same(cache.series(dimensions, start, yesterday), direct(yesterday))
    first_read = list(cache.fetched)  # the window once, the recent days once
    assert first_read == [
        (start, yesterday - dt.timedelta(days=RECHECK_DAYS), 29 - RECHECK_DAYS),
        (yesterday - dt.timedelta(days=RECHECK_DAYS - 1), yesterday, RECHECK_DAYS),
    ]
    cache.series(dimensions, start, yesterday)
    assert cache.fetched == first_read  # nothing changed: nothing asked

    engine = create_engine(url)
    new_day = demo.metrics[demo.metrics[DATE] == pd.Timestamp(END)].rename(columns=RENAMED)
    new_day["stat_date"] = new_day["stat_date"].dt.date
    with engine.begin() as connection:
        target = Table(table, MetaData(), autoload_with=connection)
        connection.execute(target.insert(), new_day.to_dict("records"))
        connection.execute(  # a restated recent day: one segment's DAU doubled
            target.update()
            .where(target.c.stat_date == END - dt.timedelta(days=2), target.c.segment == "电影深度")
            .values(active_users=target.c.active_users * 2)
        )
    engine.dispose()
    same(cache.series(dimensions, start, END), direct(END))
    assert cache.fetched[len(first_read) :] == [
        (END - dt.timedelta(days=2), END, 2)
    ]  # the new and the restated


def test_the_daily_digest_runs_against_the_warehouse(warehouse: Warehouse, demo, tmp_path: Path) -> None:
    """The scheduled job end to end on the warehouse (data check, scan, lifecycle, the console channel)
    prints the digest the embedded import prints."""
    from scheduler.pipeline import run_for_day, runtime_from_context

    digests = []
    for context in (
        context_for(app_database(tmp_path, demo, with_cube=True)),
        context_for(app_database(tmp_path, demo, with_cube=False), warehouse),
    ):
        printed = io.StringIO()
        outcome = run_for_day(runtime_from_context(context, stream=printed), END)
        assert outcome.state == "queued" and outcome.queued == ["console"] and outcome.announced > 0
        digests.append(re.sub(r"\(id [0-9a-f]{32}\)", "(id …)", printed.getvalue()))  # download ids
    assert f"{END} 异常日报" in digests[1]
    assert digests[0] == digests[1]


def test_serve_refuses_to_start_on_a_wrong_column_but_starts_when_the_warehouse_is_down(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.sources.check import check_mapping_at_start

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    for key, value in warehouse.settings().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("METRICS_DATE_COLUMN", "stat_day")
    refused = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert refused.exit_code == 2
    assert "configuration error: METRICS_DATE_COLUMN: no column 'stat_day'" in refused.stderr

    down = make_url(warehouse.url).set(host="127.0.0.1", port=9).render_as_string(hide_password=False)
    warning = check_mapping_at_start(warehouse.source(url=down))
    assert warning is not None and "cannot be checked now" in warning and "127.0.0.1:9" in warning
    assert check_mapping_at_start(warehouse.source()) is None
