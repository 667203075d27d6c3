"""The handlers' frame cache: one data version per request, reloaded after an import, never backwards."""

from __future__ import annotations

from pathlib import Path

from handlers.data_access import DataAccess
from storage.db import make_engine
from storage.import_log import record_import
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade
from tests.test_storage_metrics import _cube


def _access(tmp_path: Path) -> DataAccess:
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade(engine)
    upsert_metrics(engine, _cube(days=2), ["segment", "platform"])
    record_import(engine, kind="metrics", source="a.csv", rows=8)
    return DataAccess(engine)


def _import_a_day_more(access: DataAccess) -> None:
    upsert_metrics(access.engine, _cube(days=3), ["segment", "platform"])
    record_import(access.engine, kind="metrics", source="b.csv", rows=12)


def test_a_request_keeps_its_data_version_while_an_import_lands(tmp_path: Path) -> None:
    access = _access(tmp_path)
    request = access.snapshot()
    before = request.cube()
    _import_a_day_more(access)
    assert request.cube() is before and len(before) == 8  # the running request is not switched mid-way
    later = access.snapshot()
    assert len(later.cube()) == 12  # the next request sees the import
    assert len(request.cube()) == 12  # and the cache never goes back to the older version


def test_invalidate_after_the_requests_own_write_reads_the_version_again(tmp_path: Path) -> None:
    access = _access(tmp_path)
    request = access.snapshot()
    assert len(request.cube()) == 8
    _import_a_day_more(access)
    request.invalidate()
    assert len(request.cube()) == 12
    assert request.last_day() is not None and request.last_day().isoformat() == "2026-11-03"


def test_a_requests_reader_keeps_the_file_list_of_its_version_while_an_import_swaps_it(
    tmp_path: Path,
) -> None:
    """The scan reads grouped series first and leaf rows later: both must come from one import."""
    access = _access(tmp_path)
    reader = access.snapshot().reader()
    series_before = reader.series(None, None)
    restated = _cube(days=2, revenue_factor=3.0)  # the same two days, revenue tripled
    upsert_metrics(access.engine, restated, ["segment", "platform"])
    record_import(access.engine, kind="metrics", source="restated.csv", rows=8)

    old_days = sorted(series_before["date"].dt.date.unique())
    leaves = reader.leaves(old_days)
    assert leaves["revenue"].sum() == series_before.loc[series_before["grouping_set"] == 0, "revenue"].sum()
    fresh = access.snapshot().reader().leaves(old_days)
    assert fresh["revenue"].sum() == 3 * leaves["revenue"].sum()  # the next request reads the import
