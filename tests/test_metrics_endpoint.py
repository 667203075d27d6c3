"""``GET /metrics`` in Prometheus text format, and JSON logs that never carry a secret."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from bot.context import AppContext
from bot.http_app import create_app
from bot.logging_setup import JsonFormatter, SecretMaskingFilter
from handlers.demo_setup import load_demo
from handlers.dispatch import run_command
from storage.migrate import upgrade


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_count_commands_scans_alerts_deliveries_and_source_rows(tmp_path: Path) -> None:

    context = AppContext.from_environment(database_url=f"sqlite:///{tmp_path / 'm.db'}", language="zh")
    upgrade(context.engine)
    load_demo(
        context.engine,
        end=dt.date(2026, 11, 20),
        days=90,
        seed=3,
        data_dir=tmp_path,
        calendar=context.calendar,
    )
    with TestClient(create_app(context)) as client:
        before = samples(client.get("/metrics").text)
        run_command("/mo-why", context.handler_context())
        response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)
    key = ("memberops_command_seconds_count", (("command", "why"),))
    assert after[key] == before.get(key, 0) + 1
    assert after[("memberops_scan_seconds_count", (("source", "embedded"),))] >= 1
    assert {("memberops_scan_alerts", (("severity", s),)) for s in ("minor", "moderate", "severe")} <= set(
        after
    )
    rows_read = after[("memberops_source_rows_read_total", (("source", "embedded"),))]
    assert rows_read == context.source.rows_read and 0 < rows_read < 90 * 1200  # grouped rows, never the cube
    assert ("memberops_source_queries_total", (("source", "embedded"),)) in after


def test_json_log_lines_are_parseable_and_mask_tokens_and_url_passwords() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(SecretMaskingFilter())
    logger = logging.getLogger("memberops.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "source %s unavailable, token %s", "postgresql://bi:Hunter2@pg.internal:5432/dw", "xoxb-123-abc"
        )
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "WARNING" and entry["logger"] == "memberops.test.json"
    assert entry["message"] == "source postgresql://bi:***@pg.internal:5432/dw unavailable, token ***"
    assert "Hunter2" not in stream.getvalue() and entry["time"].endswith("+00:00")
