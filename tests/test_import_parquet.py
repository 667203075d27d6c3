"""``memberops import metrics FILE.parquet``: what warehouses export, validated exactly like a CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from core.calendar import ChineseCalendar
from core.demo import generate_demo
from core.importing import ImportRejected
from handlers.data_import import import_file
from storage.db import make_engine
from storage.metrics_repo import date_range, load_cube
from storage.migrate import upgrade

END = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def cube() -> pd.DataFrame:
    return generate_demo(end=END, days=20, seed=2, calendar=ChineseCalendar()).metrics


def engine_at(path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    """As a warehouse exports it: a DATE column, integer members, double measures."""
    table = pa.Table.from_pandas(
        frame.assign(
            date=frame["date"].dt.date,
            new_members=frame["new_members"].astype("int64"),
            renew_members=frame["renew_members"].astype("int64"),
        ),
        preserve_index=False,
    )
    assert table.schema.field("date").type == pa.date32()
    pq.write_table(table, path)
    return path


def test_a_parquet_cube_imports_like_the_same_csv(cube: pd.DataFrame, tmp_path: Path) -> None:
    parquet = write_parquet(cube, tmp_path / "cube.parquet")
    csv = tmp_path / "cube.csv"
    cube.assign(date=cube["date"].dt.strftime("%Y-%m-%d")).to_csv(csv, index=False)
    from_parquet, from_csv = engine_at(tmp_path / "p.db"), engine_at(tmp_path / "c.db")

    summary = import_file(from_parquet, "metrics", parquet)
    import_file(from_csv, "metrics", csv)

    assert summary.rows == len(cube) and summary.encoding == "parquet"
    pd.testing.assert_frame_equal(load_cube(from_parquet), load_cube(from_csv))
    assert date_range(from_parquet) == (END - dt.timedelta(days=19), END, len(cube))


def test_a_bad_parquet_file_is_refused_whole_with_rows_and_columns(
    cube: pd.DataFrame, tmp_path: Path
) -> None:
    bad = cube.copy()
    bad["dau"] = bad["dau"].astype(float)
    bad.loc[1, "dau"] = np.nan  # row 3 in spreadsheet terms (header is row 1)
    bad.loc[3, "revenue"] = -5.0  # row 5
    path = write_parquet(
        bad.drop(columns=["new_members", "renew_members"]).assign(
            new_members=cube["new_members"], renew_members=cube["renew_members"]
        ),
        tmp_path / "bad.parquet",
    )
    engine = engine_at(tmp_path / "b.db")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "metrics", path)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert {(3, "dau"), (5, "revenue")} <= where
    assert date_range(engine)[2] == 0  # nothing written


def test_missing_columns_and_a_file_that_is_not_parquet_are_refused(
    cube: pd.DataFrame, tmp_path: Path
) -> None:
    engine = engine_at(tmp_path / "m.db")
    missing = write_parquet(cube.drop(columns=["revenue"]), tmp_path / "missing.parquet")
    with pytest.raises(ImportRejected) as caught:
        import_file(engine, "metrics", missing)
    assert any(
        p.column == "revenue" and "required column is missing" in p.reason for p in caught.value.problems
    )

    fake = tmp_path / "fake.parquet"
    fake.write_text("date,dau\n2026-11-20,1\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["import", "metrics", str(fake)], env={"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    )
    assert result.exit_code == 2
    assert "not a readable Parquet file" in result.stderr and "nothing was written" in result.stderr
    assert date_range(engine)[2] == 0
