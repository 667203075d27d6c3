"""The embedded cube's date-partitioned files: one file a day, merged restatements, an atomic swap of the
file list, refused and conflicting imports that leave nothing behind, garbage after the grace time, and a
pre-0006 cube moved out of the database. Runs on SQLite and PostgreSQL (the list lives in either)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import text

from storage.cube_files import ConcurrentImport, CubeFiles, DimensionMismatch
from storage.metrics_repo import adopt_legacy_cube, load_cube
from storage.sources import EmbeddedSource

DIMS = ["segment", "platform"]


def _day(day: dt.date, *, dau: float = 100.0, platforms: tuple[str, ...] = ("TV", "手机")) -> pd.DataFrame:
    rows = [
        {
            "date": pd.Timestamp(day),
            "segment": segment,
            "platform": platform,
            "dau": dau,
            "revenue": dau / 2,
            "new_members": 1.0,
            "renew_members": 2.0,
        }
        for segment in ("家庭向高活跃", "动漫偏好沉默")
        for platform in platforms
    ]
    return pd.DataFrame(rows)


def _days(first: dt.date, count: int) -> pd.DataFrame:
    return pd.concat([_day(first + dt.timedelta(days=i)) for i in range(count)], ignore_index=True)


def _files(store: CubeFiles) -> dict[dt.date, str]:
    return {p.date: p.file for p in store.partitions()}


FIRST = dt.date(2026, 11, 1)


def test_a_new_day_writes_one_file_and_leaves_the_others(engine) -> None:
    store = CubeFiles(engine)
    store.write(_days(FIRST, 5), DIMS)
    before = _files(store)
    stamps = {d: store.directory.joinpath(f).stat().st_mtime_ns for d, f in before.items()}

    store.write(_day(FIRST + dt.timedelta(days=5)), DIMS)

    after = _files(store)
    assert len(after) == 6 and {d: after[d] for d in before} == before  # the five days are untouched
    assert {d: store.directory.joinpath(f).stat().st_mtime_ns for d, f in before.items()} == stamps
    partition = store.partitions(FIRST + dt.timedelta(days=5))[0]
    assert partition.rows == 4 and partition.dau == 400.0  # freshness without reading the file


def test_a_restated_day_replaces_its_rows_and_keeps_the_rest(engine) -> None:
    store = CubeFiles(engine)
    store.write(_days(FIRST, 2), DIMS)
    restated = _day(FIRST, dau=300.0, platforms=("TV",))  # only the TV rows of the first day
    store.write(restated, DIMS)

    cube = load_cube(engine, FIRST, FIRST)
    assert len(cube) == 4  # merged, not duplicated nor truncated
    assert sorted(cube.loc[cube["platform"] == "TV", "dau"]) == [300.0, 300.0]
    assert sorted(cube.loc[cube["platform"] == "手机", "dau"]) == [100.0, 100.0]
    assert store.partitions(FIRST, FIRST)[0].dau == 800.0


def test_a_refused_file_changes_nothing(engine) -> None:
    store = CubeFiles(engine)
    store.write(_days(FIRST, 3), DIMS)
    before, on_disk = _files(store), sorted(store.directory.rglob("*"))
    other = _day(FIRST + dt.timedelta(days=3)).drop(columns=["platform"])

    with pytest.raises(DimensionMismatch, match="--replace"):
        store.write(other, ["segment"])

    assert _files(store) == before and sorted(store.directory.rglob("*")) == on_disk


def test_an_import_that_loses_a_race_keeps_nothing_of_its_own(engine) -> None:
    """Two imports of the same day at once: the second to finish is refused and leaves no file behind."""

    class Racing(CubeFiles):
        def _write_day(self, day, rows):  # type: ignore[no-untyped-def]
            CubeFiles(self.engine, self.directory).write(_day(day, dau=500.0), DIMS)  # the other import lands
            return super()._write_day(day, rows)

    CubeFiles(engine).write(_day(FIRST), DIMS)
    racing = Racing(engine)
    with pytest.raises(ConcurrentImport, match="run it again"):
        racing.write(_day(FIRST, dau=700.0), DIMS)

    assert sorted(load_cube(engine)["dau"].unique()) == [500.0]  # the other import's day, whole
    listed = {p.file for p in racing.partitions()}
    on_disk = {p.relative_to(racing.directory).as_posix() for p in racing.directory.rglob("*.parquet")}
    assert len(on_disk - listed) == 1  # only the first import's replaced file, kept for running queries


def test_replaced_files_go_after_the_grace_time(engine) -> None:
    store = CubeFiles(engine)
    store.write(_days(FIRST, 2), DIMS)
    old = store.directory / _files(store)[FIRST]
    store.write(_day(FIRST, dau=1.0), DIMS)
    assert old.exists()  # a query that started on the old list can still read it
    assert store.collect_garbage(grace_s=0) == 1 and not old.exists()
    assert len(load_cube(engine)) == 8


def test_a_query_on_the_old_list_still_reads_while_an_import_swaps(engine) -> None:
    store = CubeFiles(engine)
    store.write(_days(FIRST, 3), DIMS)
    source = EmbeddedSource(engine)
    assert source.load_cube()["dau"].sum() == 1200.0
    store.write(_day(FIRST, dau=10.0), DIMS)
    assert source.load_cube()["dau"].sum() == 840.0  # the next query reads the new list
    assert source.date_range().rows == 12 and source.span() == (FIRST, FIRST + dt.timedelta(days=2))


def test_a_cube_stored_in_the_database_before_0006_moves_into_files(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO cube_dimension (position, name) VALUES (0, 'segment')"))
        for sid, segment in ((1, "A"), (2, "B")):
            connection.execute(
                text("INSERT INTO metric_series (id, key, dims) VALUES (:id, :key, :dims)"),
                {"id": sid, "key": f"segment={segment}", "dims": json.dumps({"segment": segment})},
            )
            for offset in range(2):
                connection.execute(
                    text(
                        "INSERT INTO metric_fact (series_id, date, dau, revenue, new_members, renew_members) "
                        "VALUES (:sid, :date, :dau, 1, 0, 0)"
                    ),
                    {"sid": sid, "date": FIRST + dt.timedelta(days=offset), "dau": 10.0 * sid},
                )

    assert adopt_legacy_cube(engine) == 4
    cube = load_cube(engine)
    assert sorted(zip(cube["segment"], cube["dau"], strict=True)) == [("A", 10.0)] * 2 + [("B", 20.0)] * 2
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM metric_fact")).scalar_one() == 0
    assert adopt_legacy_cube(engine) == 0  # once
