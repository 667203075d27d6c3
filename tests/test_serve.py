"""`memberops serve` as a user runs it: a real process, a real port, /healthz over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from storage.db import make_engine
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade
from tests.test_storage_metrics import _cube


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memberops() -> list[str]:
    return [sys.executable, "-c", "from bot.cli import main; main()"]


def _get_json(url: str, deadline: float) -> tuple[int, dict]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "OPENAI_", "DINGTALK_", "WECOM_"))
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'm.db'}", DATA_DIR=str(tmp_path), PORT=str(_free_port()))
    return env


def test_serve_answers_healthz_with_the_loaded_data(environment: dict[str, str], tmp_path: Path) -> None:
    engine = make_engine(environment["DATABASE_URL"])
    upgrade(engine)
    upsert_metrics(engine, _cube(days=4), ["segment", "platform"])
    engine.dispose()
    process = subprocess.Popen([*_memberops(), "serve"], env=environment, cwd=tmp_path)
    try:
        status, body = _get_json(f"http://127.0.0.1:{environment['PORT']}/healthz", time.monotonic() + 30)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert status == 200
    assert body["ok"] is True
    assert body["database"] == "sqlite"
    assert (body["first_day"], body["last_day"], body["fact_rows"]) == ("2026-11-01", "2026-11-04", 16)


def test_serve_refuses_a_bad_configuration_naming_the_variable(
    environment: dict[str, str], tmp_path: Path
) -> None:
    environment["SLACK_BOT_TOKEN"] = "xoxb-test"
    result = subprocess.run(
        [*_memberops(), "serve"], env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" in result.stderr
    assert "xoxb-test" not in result.stderr + result.stdout
