"""The delivery outbox: every (digest, channel) is a row; workers claim due rows and send them.

Guarantee — **at least once, duplicates only in a window of milliseconds, none on Slack when its history
is readable**:

* A digest is queued by inserting its rows (unique per digest and channel) before anything is sent, in
  the same run that decided its alerts; the rows survive any crash after that.
* A worker claims a row atomically (``storage.outbox_repo.claim_next``) and marks it ``sending`` with a
  claim that expires after ``DELIVERY_CLAIM_S``. After each message the platform accepts, the progress is
  committed (``parts_sent``); after the last one the row is ``sent``.
* A crash between "the platform accepted" and "we recorded it" leaves the row ``sending``; once the claim
  expires another worker takes it over (``recovered``), so nothing is lost. The duplicate window is the
  time between the platform's answer and our commit of the checkpoint. On Slack even that is closed: a
  recovered or retried row first looks for its own message (metadata with the digest key and part) in
  the channel and records it instead of posting again. DingTalk and WeCom robots offer no way to look a
  message up, so a crash inside that window may repeat one message there.

Retries: 5xx, timeouts and dropped connections back off exponentially (``DELIVERY_BACKOFF_S`` · 2^(n−1),
capped at ``DELIVERY_BACKOFF_MAX_S``, never earlier than the platform's own ``retry_after_s``); a 429 is
retried exactly after its ``Retry-After``. After ``DELIVERY_MAX_TRIES`` tries, or at once for a permanent
error, the row is ``failed`` with the error (``/healthz``, ``memberops deliveries``). Recovery: failed rows
younger than ``DELIVERY_RECOVERY_MAX_AGE_HOURS`` are given a fresh try budget every
``DELIVERY_RECOVERY_MINUTES`` (and ``memberops deliveries --resend`` does it by hand).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.delivery_errors import PermanentDeliveryError, RetryableDeliveryError
from handlers.card import Card
from scheduler.channels import Channel, RateLimited, SendJob
from storage.outbox_repo import (
    ClaimedDelivery,
    NewDelivery,
    claim_next,
    deliveries_of,
    mark_failed,
    mark_retry,
    mark_sent,
    queue_deliveries,
    requeue_failed,
    save_progress,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class DeliveryPolicy:
    max_tries: int = 6
    backoff: dt.timedelta = dt.timedelta(seconds=30)
    backoff_max: dt.timedelta = dt.timedelta(minutes=30)
    claim_for: dt.timedelta = dt.timedelta(minutes=5)
    recovery_after: dt.timedelta | None = dt.timedelta(minutes=60)
    recovery_max_age: dt.timedelta = dt.timedelta(hours=24)


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def retry_delay(attempts: int, error: RetryableDeliveryError, policy: DeliveryPolicy) -> dt.timedelta:
    """When to try again after the ``attempts``-th try failed with ``error``."""
    if isinstance(error, RateLimited):
        return dt.timedelta(seconds=error.retry_after_s)
    exponential = min(policy.backoff * (2 ** max(0, attempts - 1)), policy.backoff_max)
    return max(exponential, dt.timedelta(seconds=error.retry_after_s))


def queue_card(
    engine: Engine,
    *,
    digest_key: str,
    kind: str,
    day: dt.date,
    card: Card,
    channels: Iterable[str],
    now: dt.datetime,
) -> list[str]:
    """One row per channel unless already queued; returns the channels queued now."""
    body = card.model_dump(mode="json")
    rows = [NewDelivery(digest_key, channel, kind, day, body) for channel in channels]
    return queue_deliveries(engine, rows, now)


def deliver_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    *,
    clock: Clock,
    worker: str,
    policy: DeliveryPolicy = DeliveryPolicy(),
    limit: int = 100,
) -> DeliveryReport:
    """Send due rows of the configured channels, one claim at a time, until none is due (or ``limit``)."""
    report = DeliveryReport()
    for _ in range(limit):
        claimed = claim_next(engine, list(channels), worker, clock(), policy.claim_for)
        if claimed is None:
            break
        outcome = deliver_claimed(engine, claimed, channels[claimed.channel], clock=clock, policy=policy)
        getattr(report, outcome).append(claimed.id)
    return report


def deliver_claimed(
    engine: Engine, row: ClaimedDelivery, channel: Channel, *, clock: Clock, policy: DeliveryPolicy
) -> str:
    """Send one claimed row; returns "sent", "retrying" or "failed" (as recorded in the row)."""
    card = Card.model_validate(row.card)
    job = SendJob(
        digest_key=row.digest_key,
        card=card,
        parts_sent=row.parts_sent,
        thread_ref=row.thread_ref,
        maybe_sent=row.recovered or row.attempts > 1,
        checkpoint=lambda parts, ref: save_progress(engine, row.id, parts, ref, clock()),
        earlier=_earlier_messages(engine, card, row.channel),
    )
    try:
        channel.send(job)
    except PermanentDeliveryError as error:
        return _failed(engine, row, f"permanent: {error}", clock())
    except RetryableDeliveryError as error:
        return _retry_or_fail(engine, row, error, clock(), policy)
    except Exception as error:  # a bug or an unmapped transport error: retry, keep the evidence
        logger.exception("delivery %s to %s raised", row.digest_key, row.channel)
        wrapped = RetryableDeliveryError(f"{type(error).__name__}: {error}", 0.0, platform=row.channel)
        return _retry_or_fail(engine, row, wrapped, clock(), policy)
    mark_sent(engine, row.id, clock())
    logger.info("delivered %s to %s (try %d)", row.digest_key, row.channel, row.attempts)
    return "sent"


def _earlier_messages(engine: Engine, card: Card, channel: str) -> dict[str, tuple[str, Card]]:
    """The sent messages (first message id, card) of the digests ``card`` amends, on ``channel``."""
    found: dict[str, tuple[str, Card]] = {}
    for key in {a.digest_key for a in card.amends}:
        for row in deliveries_of(engine, key):
            if row.channel == channel and row.thread_ref:
                found[key] = (row.thread_ref, Card.model_validate(row.card))
    return found


def _retry_or_fail(
    engine: Engine,
    row: ClaimedDelivery,
    error: RetryableDeliveryError,
    now: dt.datetime,
    policy: DeliveryPolicy,
) -> str:
    if row.attempts >= policy.max_tries:
        return _failed(engine, row, f"gave up after {row.attempts} tries: {error}", now)
    next_at = now + retry_delay(row.attempts, error, policy)
    mark_retry(engine, row.id, str(error), next_at, now)
    logger.warning("delivery %s to %s: %s; retry at %s", row.digest_key, row.channel, error, next_at)
    return "retrying"


def _failed(engine: Engine, row: ClaimedDelivery, error: str, now: dt.datetime) -> str:
    mark_failed(engine, row.id, error, now)
    logger.error("delivery %s to %s failed: %s", row.digest_key, row.channel, error)
    return "failed"


def recover_failed(engine: Engine, now: dt.datetime, policy: DeliveryPolicy) -> int:
    """Give failed rows that are young enough a fresh try budget (the automatic recovery resend)."""
    if policy.recovery_after is None:
        return 0
    return requeue_failed(
        engine, now, failed_before=now - policy.recovery_after, created_after=now - policy.recovery_max_age
    )
