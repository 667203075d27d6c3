"""The alert pipeline: data freshness → scan → lifecycle → digest card (+ recoveries) → outbox rows → delivery.

``run_daily`` is what the scheduled job runs (the day is yesterday in TIMEZONE, from the injected clock);
``notify_scan`` is ``memberops scan --notify`` (the same pipeline for a chosen day, without waiting for
data). Exactly once per (day, channel): the preparation runs under the lease ``scan:<day>`` and writes
only idempotent rows (alert decisions keyed by alert, delivery rows unique per digest and channel); a run
that finds its rows already queued does nothing but deliver what is due.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from core.detection import DetectionConfig, ScanResult
from core.freshness import TRAILING_DAYS, assess_freshness
from handlers.card import Card
from handlers.context import HandlerContext
from scheduler.channels import Channel
from scheduler.lease import lease
from scheduler.lifecycle import LifecyclePolicy, LifecycleResult, evaluate
from scheduler.outbox import Clock, DeliveryPolicy, DeliveryReport, deliver_due, queue_card
from scheduler.recovery import recoveries, recovery_card
from scheduler.settings import SchedulerSettings
from storage.alerts_repo import ended_episodes, mark_resolved
from storage.digest_runs_repo import record_digest_run
from storage.outbox_repo import queued_channels
from storage.sources import CubeSource

if TYPE_CHECKING:
    from bot.context import AppContext

logger = logging.getLogger(__name__)

State = Literal["queued", "already_queued", "waiting_for_data", "busy", "quiet"]


@dataclass(frozen=True)
class CardBuilders:
    """``digest(result, context, day=…)`` and ``notice(day, context)`` (``handlers.alert_card``)."""

    digest: Callable[..., Card]
    notice: Callable[..., Card]


def default_card_builders() -> CardBuilders:
    from handlers.alert_card import build_digest_card, data_not_arrived_card

    return CardBuilders(digest=build_digest_card, notice=data_not_arrived_card)


def default_scan(day: dt.date, context: HandlerContext, config: DetectionConfig) -> ScanResult:
    """The same scan as ``memberops scan`` and ``/why`` (running campaigns included), shared with them
    until the data changes — so the digest and ``/why`` never disagree and the day's first ``/why`` is instant."""
    from core.detection import scan
    from handlers.errors import NoDataError
    from handlers.scan import scan_days

    try:
        return scan_days(context.data, context.calendar, day=day, config=config, language=context.language)
    except NoDataError:  # nothing imported at all: the scan's own "not enough data" result, not an error
        return scan(context.data.reader(), [day], calendar=context.calendar, config=config)


def default_has_data(engine: Engine) -> Callable[[dt.date], bool]:
    from storage.sources import EmbeddedSource

    return source_has_data(EmbeddedSource(engine))


def source_has_data(source: CubeSource) -> Callable[[dt.date], bool]:
    """The day is there and complete (its rows against the trailing median): a late or half-loaded day
    waits instead of raising alerts on partial data."""

    def has_data(day: dt.date) -> bool:
        recent = source.recent_days(TRAILING_DAYS + 1)
        freshness = assess_freshness(day, [(d.date, d.rows) for d in recent])
        if not freshness.arrived:
            logger.info("data for %s not complete yet: %s", day, freshness.reason)
        return freshness.arrived

    return has_data


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class AlertRuntime:
    engine: Engine
    channels: Mapping[str, Channel]
    handler_context: Callable[[], HandlerContext]
    timezone: ZoneInfo
    settings: SchedulerSettings = field(default_factory=SchedulerSettings)
    clock: Clock = system_clock
    worker: str = field(default_factory=worker_name)
    detection: DetectionConfig = field(default_factory=DetectionConfig)
    scan_day: Callable[[dt.date, HandlerContext, DetectionConfig], ScanResult] = default_scan
    has_data: Callable[[dt.date], bool] | None = None
    cards: CardBuilders | None = None
    after_scan: Callable[[], int] | None = None  # republish the Slack homes (scheduler/homes.py)

    @property
    def lifecycle_policy(self) -> LifecyclePolicy:
        s = self.settings
        return LifecyclePolicy(
            repeat_days=s.alert_repeat_days,
            snooze_default=dt.timedelta(hours=s.alert_snooze_hours),
            false_positive_step=s.alert_fp_step,
            max_threshold_multiplier=s.alert_fp_max_multiplier,
        )

    @property
    def delivery_policy(self) -> DeliveryPolicy:
        s = self.settings
        return DeliveryPolicy(
            max_tries=s.delivery_max_tries,
            backoff=dt.timedelta(seconds=s.delivery_backoff_s),
            backoff_max=dt.timedelta(seconds=s.delivery_backoff_max_s),
            claim_for=dt.timedelta(seconds=s.delivery_claim_s),
            recovery_after=dt.timedelta(minutes=s.delivery_recovery_minutes)
            if s.delivery_recovery_minutes
            else None,
            recovery_max_age=dt.timedelta(hours=s.delivery_recovery_max_age_hours),
        )

    def builders(self) -> CardBuilders:
        if self.cards is not None:
            return self.cards
        builders = default_card_builders()
        minutes = self.settings.alert_recheck_minutes
        return CardBuilders(
            digest=builders.digest,
            notice=lambda day, context: builders.notice(day, context, recheck_minutes=minutes),
        )

    def data_arrived(self, day: dt.date) -> bool:
        return (self.has_data or default_has_data(self.engine))(day)

    def yesterday(self) -> dt.date:
        return self.clock().astimezone(self.timezone).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class RunOutcome:
    day: dt.date
    state: State
    recheck_at: dt.datetime | None = None
    announced: int = 0
    quiet: int = 0
    queued: list[str] = field(default_factory=list)
    delivery: DeliveryReport | None = None
    recovered: int = 0


def digest_key(day: dt.date) -> str:
    return f"digest:{day.isoformat()}"


def notice_key(day: dt.date) -> str:
    return f"notice:{day.isoformat()}"


def run_daily(runtime: AlertRuntime) -> RunOutcome:
    """The scheduled job: yesterday's digest (waiting for late data until the cut-off), then delivery."""
    return run_for_day(runtime, runtime.yesterday())


def run_for_day(runtime: AlertRuntime, day: dt.date, *, wait_for_data: bool = True) -> RunOutcome:
    outcome = prepare_day(runtime, day, wait_for_data=wait_for_data)
    report = deliver_now(runtime)
    if outcome.state in ("queued", "quiet") and runtime.after_scan is not None:
        try:
            runtime.after_scan()
        except Exception:  # the homes are a view: never fail the job for them
            logger.exception("republishing the Slack homes after the scan of %s failed", day)
    return replace(outcome, delivery=report)


def deliver_now(runtime: AlertRuntime) -> DeliveryReport:
    return deliver_due(
        runtime.engine,
        runtime.channels,
        clock=runtime.clock,
        worker=runtime.worker,
        policy=runtime.delivery_policy,
    )


def prepare_day(runtime: AlertRuntime, day: dt.date, *, wait_for_data: bool = True) -> RunOutcome:
    """Queue the day's notice or digest for every channel, at most once per (day, channel)."""
    channels = set(runtime.channels)
    if queued_channels(runtime.engine, digest_key(day)) >= channels:
        return RunOutcome(day, "already_queued")
    now = runtime.clock()
    ttl = dt.timedelta(seconds=runtime.settings.scan_lease_s)
    with lease(runtime.engine, f"scan:{day.isoformat()}", runtime.worker, now, ttl) as held:
        if not held:
            logger.info("scan of %s is running on another replica", day)
            return RunOutcome(day, "busy")
        missing = channels - queued_channels(runtime.engine, digest_key(day))
        if not missing:
            return RunOutcome(day, "already_queued")
        context = runtime.handler_context()
        if wait_for_data and not runtime.data_arrived(day):
            cutoff = dt.datetime.combine(
                day + dt.timedelta(days=1), runtime.settings.alert_data_cutoff, runtime.timezone
            )
            if now < cutoff:
                return _wait_for_data(runtime, day, context, now, cutoff)
        return _queue_digest(runtime, day, context, now, missing)


def _wait_for_data(
    runtime: AlertRuntime, day: dt.date, context: HandlerContext, now: dt.datetime, cutoff: dt.datetime
) -> RunOutcome:
    notice = runtime.builders().notice(day, context)
    queued = queue_card(
        runtime.engine,
        digest_key=notice_key(day),
        kind="notice",
        day=day,
        card=notice,
        channels=runtime.channels,
        now=now,
    )
    recheck_at = min(now + dt.timedelta(minutes=runtime.settings.alert_recheck_minutes), cutoff)
    record_digest_run(
        runtime.engine,
        day,
        "waiting_for_data",
        f"not complete yet; re-checked until {cutoff.isoformat()}",
        now,
    )
    logger.info("data of %s not arrived; notice queued to %s; re-check at %s", day, queued or "-", recheck_at)
    return RunOutcome(day, "waiting_for_data", recheck_at=recheck_at, queued=queued)


def _queue_digest(
    runtime: AlertRuntime, day: dt.date, context: HandlerContext, now: dt.datetime, channels: set[str]
) -> RunOutcome:
    result = runtime.scan_day(day, context, runtime.detection)
    decided = evaluate(runtime.engine, result.alerts, now, runtime.lifecycle_policy, result.settings)
    if not decided.announced and runtime.settings.digest_quiet_days == "silent":
        logger.info("%s: no alerts to announce; DIGEST_QUIET_DAYS=silent, no digest posted", day)
        recovered = _queue_recoveries(runtime, day, context, now, channels)
        record_digest_run(runtime.engine, day, "quiet", f"{len(decided.quiet)} quiet alerts", now)
        return RunOutcome(day, "quiet", quiet=len(decided.quiet), recovered=recovered)
    announced = result.model_copy(update={"alerts": [d.alert for d in decided.announced]})
    card = runtime.builders().digest(announced, context, day=day)
    card = with_quiet_note(card, decided, context)
    queued = queue_card(
        runtime.engine,
        digest_key=digest_key(day),
        kind="digest",
        day=day,
        card=card,
        channels=sorted(channels),
        now=now,
    )
    logger.info(
        "digest of %s: %d announced, %d quiet, queued to %s",
        day,
        len(decided.announced),
        len(decided.quiet),
        queued,
    )
    recovered = _queue_recoveries(runtime, day, context, now, channels)
    record_digest_run(runtime.engine, day, "queued", f"{len(decided.announced)} announced to {queued}", now)
    return RunOutcome(
        day,
        "queued",
        announced=len(decided.announced),
        quiet=len(decided.quiet),
        queued=queued,
        recovered=recovered,
    )


def recovery_key(day: dt.date) -> str:
    return f"recovery:{day.isoformat()}"


def _queue_recoveries(
    runtime: AlertRuntime, day: dt.date, context: HandlerContext, now: dt.datetime, channels: set[str]
) -> int:
    """Announced episodes that did not go on today: one recovery card, then the series are resolved."""
    found = recoveries(ended_episodes(runtime.engine, day), day)
    if not found:
        return 0
    card = recovery_card(found, day, context, digest_key)
    queue_card(
        runtime.engine,
        digest_key=recovery_key(day),
        kind="recovery",
        day=day,
        card=card,
        channels=sorted(channels),
        now=now,
    )
    mark_resolved(runtime.engine, [r.fingerprint for r in found], day, now)
    logger.info("%s: %d announced anomalies recovered", day, len(found))
    return len(found)


QUIET_LABELS = {
    "continuing": ("持续中", "continuing"),
    "acked": ("已确认", "acknowledged"),
    "snoozed": ("暂停提醒中", "snoozed"),
    "desensitised": ("已调低灵敏度", "lowered sensitivity"),
}


def with_quiet_note(card: Card, decided: LifecycleResult, context: HandlerContext) -> Card:
    """Add one footer line counting the alerts kept quiet, by reason (nothing when none)."""
    counts = decided.quiet_by_reason()
    if not counts:
        return card
    parts = [
        f"{context.t(*QUIET_LABELS.get(reason, (reason, reason)))} {n}"
        for reason, n in sorted(counts.items())
    ]
    total = sum(counts.values())
    line = context.t(
        f"另有 {total} 个异常未重复提醒（{'，'.join(parts)}）",
        f"{total} more anomalies not re-announced ({', '.join(parts)})",
    )
    return card.model_copy(update={"context": [*card.context, line]})


def runtime_from_context(
    context: AppContext, *, clock: Clock = system_clock, stream: TextIO | None = None
) -> AlertRuntime:
    """The production runtime: configured channels (console when none), settings from the environment."""
    from scheduler.channels import channels_from_settings
    from scheduler.homes import home_publisher

    return AlertRuntime(
        engine=context.engine,
        channels=channels_from_settings(
            context.settings, stream=stream, handler_context=context.handler_context
        ),
        handler_context=context.handler_context,
        timezone=ZoneInfo(context.settings.timezone),
        settings=SchedulerSettings(),
        clock=clock,
        has_data=source_has_data(context.source),
        after_scan=home_publisher(context.settings, context.handler_context, clock),
    )


def notify_scan(context: AppContext, day: dt.date) -> RunOutcome:
    """``memberops scan --notify``: scan ``day`` now (no waiting for data), queue and deliver its digest.

    Exactly once like the scheduled run: a digest already queued for a channel is not sent again
    (``memberops deliveries --resend ID`` resends one on purpose).
    """
    return run_for_day(runtime_from_context(context), day, wait_for_data=False)
