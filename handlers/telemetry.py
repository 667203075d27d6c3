"""The service's own measurements, exported at ``GET /metrics`` (Prometheus text format).

Process-wide instruments (prometheus_client) that the handlers and the AI recorder update as they work:
command latency by command, scan duration by source, the latest scan's alerts by severity, AI calls by
outcome with their latency. What lives elsewhere is read at scrape time by :mod:`bot.metrics_route`: rows
and query time a warehouse source answered, deliveries by state (the outbox table).
"""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
SECONDS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)

COMMAND_SECONDS = Histogram(
    "memberops_command_seconds",
    "Time to answer a command, by command",
    ["command"],
    buckets=SECONDS,
    registry=REGISTRY,
)
SCAN_SECONDS = Histogram(
    "memberops_scan_seconds",
    "Time of an anomaly scan (read + score + localise), by cube source",
    ["source"],
    buckets=SECONDS,
    registry=REGISTRY,
)
SCAN_ALERTS = Gauge(
    "memberops_scan_alerts", "Alerts of the latest scan, by severity", ["severity"], registry=REGISTRY
)
AI_CALLS = Counter(
    "memberops_ai_calls_total", "AI narration calls, by outcome", ["outcome"], registry=REGISTRY
)
AI_SECONDS = Histogram(
    "memberops_ai_call_seconds",
    "AI narration latency, by outcome",
    ["outcome"],
    buckets=SECONDS,
    registry=REGISTRY,
)


def observe_scan(source: str, seconds: float, severities: list[str]) -> None:
    SCAN_SECONDS.labels(source).observe(seconds)
    counts = Tally(severities)
    for severity in ("minor", "moderate", "severe"):
        SCAN_ALERTS.labels(severity).set(counts.get(severity, 0))


def observe_ai_call(outcome: str, seconds: float) -> None:
    AI_CALLS.labels(outcome).inc()
    AI_SECONDS.labels(outcome).observe(seconds)
