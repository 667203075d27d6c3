from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import inspect

from storage.metrics_repo import DimensionMismatch, date_range, load_cube, stored_dimensions, upsert_metrics
from storage.migrate import current_revision, upgrade


def _cube(days: int = 3, revenue_factor: float = 1.0) -> pd.DataFrame:
    rows = []
    for i in range(days):
        day = pd.Timestamp("2026-11-01") + pd.Timedelta(days=i)
        for segment, base in (("家庭向高活跃", 1000.0), ("动漫偏好沉默", 400.0)):
            for platform in ("TV", "手机"):
                rows.append(
                    {
                        "date": day,
                        "segment": segment,
                        "platform": platform,
                        "dau": base + i,
                        "revenue": (base + i) * 0.5 * revenue_factor,
                        "new_members": 10.0,
                        "renew_members": 5.0,
                    }
                )
    return pd.DataFrame(rows)


def test_migrations_create_every_table(engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {
        "metric_fact",
        "metric_series",
        "cube_dimension",
        "segment",
        "campaign",
        "resource_capacity",
    } <= tables
    assert current_revision(engine) is not None
    upgrade(engine)  # idempotent
    assert current_revision(engine) is not None


def test_cube_round_trips_with_data_defined_dimensions(engine) -> None:
    frame = _cube()
    written = upsert_metrics(engine, frame, ["segment", "platform"])
    assert written == 12
    assert stored_dimensions(engine) == ["segment", "platform"]
    cube = load_cube(engine)
    assert list(cube.columns) == [
        "date",
        "segment",
        "platform",
        "dau",
        "revenue",
        "new_members",
        "renew_members",
    ]
    assert len(cube) == 12
    row = cube[
        (cube["segment"] == "动漫偏好沉默") & (cube["platform"] == "TV") & (cube["date"] == "2026-11-02")
    ]
    assert row["dau"].item() == 401.0
    assert row["revenue"].item() == pytest.approx(200.5)
    assert date_range(engine) == (dt.date(2026, 11, 1), dt.date(2026, 11, 3), 12)


def test_reimport_updates_and_never_duplicates(engine) -> None:
    upsert_metrics(engine, _cube(), ["segment", "platform"])
    upsert_metrics(engine, _cube(revenue_factor=2.0), ["segment", "platform"])
    cube = load_cube(engine)
    assert len(cube) == 12
    first = cube[
        (cube["segment"] == "家庭向高活跃") & (cube["platform"] == "TV") & (cube["date"] == "2026-11-01")
    ]
    assert first["revenue"].item() == pytest.approx(1000.0)


def test_other_dimensions_are_refused_unless_replacing(engine) -> None:
    upsert_metrics(engine, _cube(), ["segment", "platform"])
    other = _cube().drop(columns=["platform"]).groupby(["date", "segment"], as_index=False).sum()
    with pytest.raises(DimensionMismatch, match="--replace"):
        upsert_metrics(engine, other, ["segment"])
    assert len(load_cube(engine)) == 12  # nothing written
    upsert_metrics(engine, other, ["segment"], replace=True)
    cube = load_cube(engine)
    assert list(cube.columns)[:2] == ["date", "segment"] and len(cube) == 6


def test_load_cube_filters_dates(engine) -> None:
    upsert_metrics(engine, _cube(days=5), ["segment", "platform"])
    cube = load_cube(engine, start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 3))
    assert sorted(cube["date"].dt.date.unique()) == [dt.date(2026, 11, 2), dt.date(2026, 11, 3)]
