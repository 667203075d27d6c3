"""A demo database made the way a user makes one (``memberops init --demo``), for the CLI tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app


def demo_environment(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    *,
    days: int,
    end: str = "2026-11-23",
    campaign_effects: bool = True,
) -> dict[str, str]:
    """The environment of a fresh demo database (``DATABASE_URL``, ``DATA_DIR``, ``LANGUAGE=zh``); the demo of
    ``make run`` (its campaigns' effects in the cube) unless ``campaign_effects`` is False."""
    directory = tmp_path_factory.mktemp(name)
    env = {"DATABASE_URL": f"sqlite:///{directory / 'm.db'}", "DATA_DIR": str(directory), "LANGUAGE": "zh"}
    effects = "--campaign-effects" if campaign_effects else "--no-campaign-effects"
    result = CliRunner().invoke(app, ["init", "--demo", "--days", str(days), "--end", end, effects], env=env)
    assert result.exit_code == 0, result.output
    return env
