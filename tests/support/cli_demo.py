"""A demo database made the way a user makes one (``memberops init --demo``), for the CLI tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app


def demo_environment(
    tmp_path_factory: pytest.TempPathFactory, name: str, *, days: int, end: str = "2026-11-23"
) -> dict[str, str]:
    """The environment of a fresh demo database (``DATABASE_URL``, ``DATA_DIR``, ``LANGUAGE=zh``)."""
    directory = tmp_path_factory.mktemp(name)
    env = {"DATABASE_URL": f"sqlite:///{directory / 'm.db'}", "DATA_DIR": str(directory), "LANGUAGE": "zh"}
    result = CliRunner().invoke(app, ["init", "--demo", "--days", str(days), "--end", end], env=env)
    assert result.exit_code == 0, result.output
    return env
