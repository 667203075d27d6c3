"""The delivery outbox on SQLite and PostgreSQL: unique rows, back-off, Retry-After, max tries, failure
with the error, recovery resend, resume after a partial send, recovery of a crashed claim, health."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from bot.delivery_errors import PermanentDeliveryError, RetryableDeliveryError
from handlers.card import Card
from handlers.health import health_report
from scheduler.channels import RateLimited
from scheduler.outbox import DeliveryPolicy, deliver_due, queue_card, recover_failed
from storage.outbox_repo import claim_next, deliveries_of, failure_summary, requeue_failed
from tests.test_scheduler_support import FakeClock, RecordingChannel

DAY = dt.date(2026, 3, 2)
T0 = dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.UTC)
POLICY = DeliveryPolicy(
    max_tries=3,
    backoff=dt.timedelta(seconds=30),
    backoff_max=dt.timedelta(minutes=30),
    claim_for=dt.timedelta(minutes=5),
    recovery_after=dt.timedelta(minutes=60),
)


def queue(
    engine: Engine, key: str = "digest:2026-03-02", channels: tuple[str, ...] = ("console",)
) -> list[str]:
    return queue_card(
        engine, digest_key=key, kind="digest", day=DAY, card=Card(title="Digest"), channels=channels, now=T0
    )


def retryable(message: str = "slack HTTP 503") -> RetryableDeliveryError:
    return RetryableDeliveryError(message, 0.0, platform="slack")


def test_a_digest_is_queued_once_per_channel(engine: Engine) -> None:
    assert queue(engine, channels=("console", "slack")) == ["console", "slack"]
    assert queue(engine, channels=("console", "slack", "wecom")) == ["wecom"]
    rows = deliveries_of(engine, "digest:2026-03-02")
    assert sorted((r.channel, r.status, r.attempts) for r in rows) == [
        ("console", "pending", 0),
        ("slack", "pending", 0),
        ("wecom", "pending", 0),
    ]


def test_retries_back_off_then_fail_with_the_error_and_recovery_resends(engine: Engine) -> None:
    queue(engine)
    clock = FakeClock(T0)
    channel = RecordingChannel(failures=[retryable(), retryable(), retryable("slack HTTP 502")])
    channels = {"console": channel}

    report = deliver_due(engine, channels, clock=clock, worker="w", policy=POLICY)
    assert report.retrying == [1] or len(report.retrying) == 1
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
        "pending",
        1,
        T0 + dt.timedelta(seconds=30),
        "slack HTTP 503",
    )
    clock.advance(seconds=29)
    assert deliver_due(engine, channels, clock=clock, worker="w", policy=POLICY).retrying == []  # not due yet
    clock.advance(seconds=1)
    deliver_due(engine, channels, clock=clock, worker="w", policy=POLICY)
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.attempts, row.next_attempt_at) == (2, clock.now + dt.timedelta(seconds=60))  # doubled
    clock.advance(seconds=60)
    report = deliver_due(engine, channels, clock=clock, worker="w", policy=POLICY)
    assert len(report.failed) == 1
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        3,
        "gave up after 3 tries: slack HTTP 502",
    )
    assert channel.sent == []
    summary = failure_summary(engine)
    assert (summary.failed, summary.last_failure_error, summary.last_failure_channel) == (
        1,
        "gave up after 3 tries: slack HTTP 502",
        "console",
    )
    health = health_report(engine)
    assert health.deliveries_failed == 1
    assert health.last_delivery_failure is not None
    assert health.last_delivery_failure.error == "gave up after 3 tries: slack HTTP 502"

    # recovery: not before RECOVERY_MINUTES after the failure, then a fresh budget and the card goes out
    clock.advance(minutes=59)
    assert recover_failed(engine, clock.now, POLICY) == 0
    clock.advance(minutes=1)
    assert recover_failed(engine, clock.now, POLICY) == 1
    report = deliver_due(engine, channels, clock=clock, worker="w", policy=POLICY)
    assert len(report.sent) == 1
    assert channel.sent == [("digest:2026-03-02", 0, "Digest")]
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.status, row.sent_at) == ("sent", clock.now)
    assert failure_summary(engine).failed == 0


def test_rate_limit_retries_exactly_after_retry_after(engine: Engine) -> None:
    queue(engine)
    clock = FakeClock(T0)
    channel = RecordingChannel(failures=[RateLimited("429", 7.0, platform="slack")])
    deliver_due(engine, {"console": channel}, clock=clock, worker="w", policy=POLICY)
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert row.next_attempt_at == T0 + dt.timedelta(seconds=7)
    clock.advance(seconds=7)
    assert len(deliver_due(engine, {"console": channel}, clock=clock, worker="w", policy=POLICY).sent) == 1


def test_platform_retry_after_is_a_floor_for_the_back_off(engine: Engine) -> None:
    queue(engine)
    channel = RecordingChannel(
        failures=[RetryableDeliveryError("dingtalk errcode 130101", 600.0, platform="dingtalk")]
    )
    deliver_due(engine, {"console": channel}, clock=FakeClock(T0), worker="w", policy=POLICY)
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert row.next_attempt_at == T0 + dt.timedelta(seconds=600)


def test_permanent_error_fails_at_once(engine: Engine) -> None:
    queue(engine)
    channel = RecordingChannel(
        failures=[PermanentDeliveryError("slack error: channel_not_found", platform="slack")]
    )
    report = deliver_due(engine, {"console": channel}, clock=FakeClock(T0), worker="w", policy=POLICY)
    assert len(report.failed) == 1
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        1,
        "permanent: slack error: channel_not_found",
    )
    assert requeue_failed(engine, T0, ids=[row.id]) == 1  # `memberops deliveries --resend ID`
    assert deliveries_of(engine, "digest:2026-03-02")[0].status == "pending"


def test_a_retry_resumes_after_the_parts_already_sent(engine: Engine) -> None:
    queue(engine)
    clock = FakeClock(T0)
    channel = RecordingChannel(failures=[None, None, retryable()], parts=4)
    deliver_due(engine, {"console": channel}, clock=clock, worker="w", policy=POLICY)
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.status, row.parts_sent, row.thread_ref) == ("pending", 2, "thread-1")
    clock.advance(seconds=30)
    deliver_due(engine, {"console": channel}, clock=clock, worker="w", policy=POLICY)
    assert [part for _, part, _ in channel.sent] == [0, 1, 2, 3]  # parts 0 and 1 not sent twice
    assert channel.jobs[1].maybe_sent is True and channel.jobs[1].parts_sent == 2


def test_a_crashed_claim_is_recovered_after_it_expires(engine: Engine) -> None:
    queue(engine)
    clock = FakeClock(T0)
    crashed = claim_next(engine, ["console"], "dead-worker", clock.now, POLICY.claim_for)
    assert crashed is not None and not crashed.recovered
    channel = RecordingChannel()
    assert deliver_due(engine, {"console": channel}, clock=clock, worker="w", policy=POLICY).sent == []
    clock.advance(minutes=5)
    report = deliver_due(engine, {"console": channel}, clock=clock, worker="w", policy=POLICY)
    assert len(report.sent) == 1
    assert channel.jobs[0].maybe_sent is True  # the crashed attempt may have gone out: channels check first
    [row] = deliveries_of(engine, "digest:2026-03-02")
    assert (row.status, row.attempts) == ("sent", 2)


def test_rows_of_channels_this_replica_does_not_have_are_left_alone(engine: Engine) -> None:
    queue(engine, channels=("slack",))
    assert deliver_due(engine, {"console": RecordingChannel()}, clock=FakeClock(T0), worker="w").sent == []
    assert deliveries_of(engine, "digest:2026-03-02")[0].status == "pending"
