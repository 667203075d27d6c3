"""The data commands as a user runs them: init --demo, import (good files, bad files, GBK), on both databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from storage.catalog_repo import count_rows
from storage.db import make_engine
from storage.metrics_repo import date_range, load_cube

IMPORTS = Path(__file__).parent / "data" / "import"
runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "OPENAI_API_KEY", "WECOM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return db_url


def test_init_demo_loads_once_then_leaves_data_alone(cli_env: str, tmp_path: Path) -> None:
    first = runner.invoke(app, ["init", "--demo", "--days", "60", "--end", "2026-11-23"])
    assert first.exit_code == 0, first.output
    assert "demo loaded" in first.output
    engine = make_engine(cli_env)
    assert date_range(engine)[:2] == (
        __import__("datetime").date(2026, 9, 25),
        __import__("datetime").date(2026, 11, 23),
    )
    assert count_rows(engine, "campaigns") >= 30 and count_rows(engine, "segments") >= 6
    assert (tmp_path / "data" / "demo_ground_truth.json").exists()
    second = runner.invoke(app, ["init", "--demo", "--days", "60", "--end", "2026-11-23"])
    assert second.exit_code == 0 and "demo not loaded" in second.output


def test_import_good_files_and_reimport_updates(cli_env: str) -> None:
    for kind in ("segments", "campaigns", "resources", "metrics"):
        result = runner.invoke(app, ["import", kind, str(IMPORTS / f"{kind}_ok.csv")])
        assert result.exit_code == 0, result.output
        assert f"{kind} rows" in result.output
    engine = make_engine(cli_env)
    rows = date_range(engine)[2]
    again = runner.invoke(app, ["import", "metrics", str(IMPORTS / "metrics_ok.csv")])
    assert again.exit_code == 0
    assert date_range(engine)[2] == rows  # updated, not duplicated


def test_gbk_file_is_read_with_its_chinese_values(cli_env: str) -> None:
    result = runner.invoke(app, ["import", "metrics", str(IMPORTS / "metrics_gbk.csv")])
    assert result.exit_code == 0, result.output
    assert "gbk" in result.output or "gb18030" in result.output
    cube = load_cube(make_engine(cli_env))
    text_values = {
        v
        for column in cube.columns
        if cube[column].dtype == object or str(cube[column].dtype) == "str"
        for v in cube[column]
    }
    assert any("\u4e00" <= ch <= "\u9fff" for value in text_values for ch in str(value))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("date,segment,dau,new_members,renew_members\n2026-11-01,新客,10,1,1\n", ":1:revenue: "),
        ("date,segment,dau,revenue,new_members,renew_members\n2026-11-01,新客,abc,1,1,1\n", ":2:dau: "),
        ("date,segment,dau,revenue,new_members,renew_members\n2026-11-31,新客,10,1,1,1\n", ":2:date: "),
        (
            "date,segment,dau,revenue,new_members,renew_members\n2026-11-01,新客,10,1,1,1\n2026-11-01,新客,11,1,1,1\n",
            ":3:",
        ),
    ],
    ids=["missing-column", "bad-number", "bad-date", "duplicate-key"],
)
def test_bad_file_is_refused_whole_naming_file_row_column(
    cli_env: str, tmp_path: Path, content: str, expected: str
) -> None:
    good = runner.invoke(app, ["import", "metrics", str(IMPORTS / "metrics_ok.csv")])
    assert good.exit_code == 0
    before = date_range(make_engine(cli_env))
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["import", "metrics", str(bad)])
    assert result.exit_code == 2
    assert "nothing was written" in result.stderr
    assert f"{bad}{expected}" in result.stderr
    assert date_range(make_engine(cli_env)) == before


def test_a_file_with_other_dimensions_needs_replace(cli_env: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["import", "metrics", str(IMPORTS / "metrics_ok.csv")]).exit_code == 0
    total_only = tmp_path / "total.csv"
    shutil.copy(IMPORTS / "metrics_total_only.csv", total_only)
    refused = runner.invoke(app, ["import", "metrics", str(total_only)])
    assert refused.exit_code == 2 and "--replace" in refused.stderr
    replaced = runner.invoke(app, ["import", "metrics", str(total_only), "--replace"])
    assert replaced.exit_code == 0, replaced.output


def test_unknown_kind_is_refused(cli_env: str) -> None:
    result = runner.invoke(app, ["import", "users", str(IMPORTS / "metrics_ok.csv")])
    assert result.exit_code == 2 and "metrics, segments, campaigns, resources" in result.stderr
