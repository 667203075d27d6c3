"""Shared pieces of the scheduler / outbox / lifecycle tests (no tests here).

``handlers.alert_card`` (the real digest card) is written by another helper; until it lands these tests use
the minimal stand-in builders below — the pipeline takes its card builders as a parameter.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from core.calendar import ChineseCalendar
from core.detection import Alert, DetectionConfig, ScanResult
from core.detection.models import DateStatus
from handlers.card import Button, Card, CardSection, Severity
from handlers.context import HandlerContext
from handlers.data_access import DataAccess
from scheduler.alert_keys import alert_key
from scheduler.channels import SendJob
from scheduler.pipeline import AlertRuntime, CardBuilders
from scheduler.settings import SchedulerSettings

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = ChineseCalendar()


class FakeClock:
    """Injected time: tests move it, nothing sleeps."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ).astimezone(dt.UTC)


def make_alert(
    day: dt.date, metric: str = "arpu", scope: dict[str, str] | None = None, z: float = -3.0
) -> Alert:
    magnitude = abs(z)
    severity = "severe" if magnitude > 2.5 else "moderate" if magnitude > 2.0 else "minor"
    expected = 0.5
    value = expected * (1 + 0.1 * z)
    return Alert(
        date=day,
        metric=metric,
        metric_label={"arpu": "边现", "dau": "DAU", "revenue": "收入"}.get(metric, metric),
        scope=scope or {},
        value=value,
        expected=expected,
        lower=0.45,
        upper=0.55,
        pct_change=value / expected - 1,
        z=z,
        z_raw=z,
        severity=severity,  # type: ignore[arg-type]
        direction="up" if z > 0 else "down",
    )


def scan_result(day: dt.date, alerts: list[Alert], status: str = "ok") -> ScanResult:
    return ScanResult(
        dates=[day],
        alerts=alerts,
        explained=[],
        statuses=[DateStatus(date=day, status=status)],  # type: ignore[arg-type]
        series_scored=10,
        scopes=[{}],
        settings=DetectionConfig(),
    )


def standin_digest(result: ScanResult, context: HandlerContext, *, day: dt.date) -> Card:
    lines = [
        f"{a.severity} {a.metric} {'/'.join(f'{k}={v}' for k, v in sorted(a.scope.items())) or 'total'} "
        f"{a.pct_change:+.1%}"
        for a in result.alerts
    ]
    buttons = [Button(action_id="alert_ack", label="ack", value=alert_key(a)) for a in result.alerts]
    worst = max((a.severity for a in result.alerts), key=["minor", "moderate", "severe"].index, default=None)
    return Card(
        title=f"Digest {day}",
        severity=Severity(worst) if worst else Severity.INFO,
        sections=[CardSection(title="alerts", bullets=lines or ["no anomalies"])],
        buttons=buttons,
        language=context.language,
    )


def standin_notice(day: dt.date, context: HandlerContext) -> Card:
    return Card(title=f"Data not arrived {day}", language=context.language)


STANDIN_CARDS = CardBuilders(digest=standin_digest, notice=standin_notice)


def handler_context(engine: Engine, language: str = "zh") -> HandlerContext:
    from core.ai import AIEngine  # offline: no key, the deterministic narrators

    return HandlerContext(
        engine=engine,
        data=DataAccess(engine),
        ai=AIEngine(None, "gpt-4o-mini"),
        calendar=CALENDAR,
        language=language,  # type: ignore[arg-type]
    )


@dataclass
class ScriptedScans:
    """Alerts per day (what the scan returns) and which days have data."""

    alerts: dict[dt.date, list[Alert]] = field(default_factory=dict)
    days_with_data: set[dt.date] = field(default_factory=set)
    calls: list[dt.date] = field(default_factory=list)

    def scan(self, day: dt.date, _context: HandlerContext, _config: DetectionConfig) -> ScanResult:
        self.calls.append(day)
        return scan_result(day, self.alerts.get(day, []))

    def has_data(self, day: dt.date) -> bool:
        return day in self.days_with_data


def make_runtime(
    engine: Engine,
    channels: dict[str, Any],
    clock: FakeClock,
    scans: ScriptedScans,
    *,
    worker: str = "test-worker",
    **settings: Any,
) -> AlertRuntime:
    return AlertRuntime(
        engine=engine,
        channels=channels,
        handler_context=lambda: handler_context(engine),
        timezone=TZ,
        settings=SchedulerSettings(**settings),
        clock=clock,
        worker=worker,
        scan_day=scans.scan,
        has_data=scans.has_data,
        cards=STANDIN_CARDS,
    )


class RecordingChannel:
    """A channel that records what it sends and fails as scripted (one exception per send, in order)."""

    def __init__(
        self, name: str = "console", failures: list[Exception] | None = None, parts: int = 1
    ) -> None:
        self.name = name
        self.failures = list(failures or [])
        self.parts = parts
        self.sent: list[tuple[str, int, str]] = []  # (digest key, part, card title)
        self.jobs: list[SendJob] = []

    def send(self, job: SendJob) -> None:
        self.jobs.append(job)
        for part in range(job.parts_sent, self.parts):
            if self.failures:
                failure = self.failures.pop(0)
                if failure is not None:
                    raise failure
            self.sent.append((job.digest_key, part, job.card.title))
            job.checkpoint(part + 1, "thread-1")


def finite(value: float) -> bool:
    return math.isfinite(value)


Factory = Callable[..., Any]
