"""Alert lifecycle (after Prometheus Alertmanager): which of a day's alerts are announced, which stay quiet.

Each alert belongs to a series (its fingerprint: metric x scope). Consecutive days on which a series
alerts form an *episode*. For every alert key, once (a rerun reuses the stored decision):

1. **Sensitivity** — the series' ``threshold_multiplier`` m (1.0 until someone marks a false positive)
   divides the alert's calibrated score: the alert counts only if |z| / m ≥ the minor threshold, and its
   severity is recomputed from |z| / m. Each "false positive" sets m = min(ALERT_FP_MAX_MULTIPLIER,
   ALERT_FP_STEP ** n) for the n-th mark (1.25, 1.56, 1.95, 2.0 …): the scope must move 25 % more
   (in calibrated sigmas) before it alerts again. Other scopes and metrics are unaffected. Decision
   ``desensitised`` (quiet).
2. **Snooze** — while ``snoozed_until`` is in the future the series is quiet (``snoozed``).
3. **Acknowledgement** — an acknowledged episode stays quiet until it ends (``acked``); a false positive
   also acknowledges the episode.
4. **New episode** (the series did not alert the day before, or the episode was never announced) →
   announced (``new``).
5. **Continuing episode** → announced only if its severity rose above the last announced severity
   (``escalated``) or ``ALERT_REPEAT_DAYS`` passed since the last announcement (``repeat``); otherwise
   quiet (``continuing``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Engine

from core.detection import Alert, DetectionConfig
from core.detection.models import SEVERITY_RANK
from scheduler.alert_keys import alert_fingerprint, alert_key
from storage.alerts_repo import insert_records, load_records, load_series, save_scan_state
from storage.tables import AlertRecord, AlertSeriesState

Severity = Literal["minor", "moderate", "severe"]
ANNOUNCING = ("new", "escalated", "repeat")


@dataclass(frozen=True)
class LifecyclePolicy:
    repeat_days: int = 3
    snooze_default: dt.timedelta = dt.timedelta(hours=24)
    false_positive_step: float = 1.25
    max_threshold_multiplier: float = 2.0


@dataclass(frozen=True)
class Decision:
    key: str
    fingerprint: str
    alert: Alert  # severity already adjusted for the series' sensitivity
    decision: str
    episode_start: dt.date

    @property
    def announced(self) -> bool:
        return self.decision in ANNOUNCING


@dataclass(frozen=True)
class LifecycleResult:
    announced: list[Decision]
    quiet: list[Decision]

    def quiet_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for decision in self.quiet:
            counts[decision.decision] = counts.get(decision.decision, 0) + 1
        return counts


def severity_of(magnitude: float, config: DetectionConfig) -> Severity | None:
    if magnitude < config.minor:
        return None
    if magnitude > config.severe:
        return "severe"
    return "moderate" if magnitude > config.moderate else "minor"


def decide(
    alert: Alert,
    state: AlertSeriesState | None,
    now: dt.datetime,
    policy: LifecyclePolicy,
    config: DetectionConfig,
) -> Decision:
    """The lifecycle decision for one new alert key, given its series' state (None: never seen)."""
    key, fingerprint = alert_key(alert), alert_fingerprint(alert)
    day = alert.date
    continuing = (
        state is not None and state.last_seen_day is not None and (day - state.last_seen_day).days == 1
    )
    episode = state.episode_start if continuing and state and state.episode_start else day
    multiplier = state.threshold_multiplier if state else 1.0
    severity = severity_of(abs(alert.z) / multiplier, config)
    adjusted = (
        alert if severity in (None, alert.severity) else alert.model_copy(update={"severity": severity})
    )

    def made(decision: str) -> Decision:
        return Decision(key, fingerprint, adjusted, decision, episode)

    if severity is None:
        return made("desensitised")
    if state is None:
        return made("new")
    if state.snoozed_until is not None and state.snoozed_until > now:
        return made("snoozed")
    if continuing and state.acked_episode == episode:
        return made("acked")
    notified_in_episode = state.last_notified_day is not None and state.last_notified_day >= episode
    if not continuing or not notified_in_episode:
        return made("new")
    if SEVERITY_RANK[severity] > SEVERITY_RANK.get(state.last_notified_severity or "", 0):
        return made("escalated")
    assert state.last_notified_day is not None
    if (day - state.last_notified_day).days >= policy.repeat_days:
        return made("repeat")
    return made("continuing")


def advance(state: AlertSeriesState | None, decision: Decision, now: dt.datetime) -> AlertSeriesState:
    """The series' scan-owned state after ``decision`` (a new object; the caller saves it)."""
    alert = decision.alert
    updated = (
        AlertSeriesState(**state.model_dump())
        if state is not None
        else AlertSeriesState(
            fingerprint=decision.fingerprint, metric=alert.metric, scope=dict(alert.scope), updated_at=now
        )
    )
    if updated.last_seen_day is None or alert.date >= updated.last_seen_day:
        updated.last_seen_day = alert.date
        updated.episode_start = decision.episode_start
    if decision.announced:
        updated.last_notified_day = alert.date
        updated.last_notified_severity = alert.severity
    return updated


def evaluate(
    engine: Engine,
    alerts: list[Alert],
    now: dt.datetime,
    policy: LifecyclePolicy,
    config: DetectionConfig,
) -> LifecycleResult:
    """Decide every alert once: stored decisions are reused (a rerun announces exactly the same alerts)."""
    keys = [alert_key(a) for a in alerts]
    stored = load_records(engine, keys)
    states = load_series(engine, [alert_fingerprint(a) for a in alerts])
    decisions: list[Decision] = []
    for alert, key in zip(alerts, keys, strict=True):
        record = stored.get(key)
        if record is not None:
            kept = Alert.model_validate(record.alert)
            decisions.append(Decision(key, record.fingerprint, kept, record.decision, kept.date))
            continue
        decision = decide(alert, states.get(alert_fingerprint(alert)), now, policy, config)
        states[decision.fingerprint] = advance(states.get(decision.fingerprint), decision, now)
        decisions.append(decision)
    fresh = [d for d in decisions if d.key not in stored]
    save_scan_state(engine, [states[d.fingerprint] for d in fresh], now)
    insert_records(engine, [_record(d, now) for d in fresh])
    return LifecycleResult(
        announced=[d for d in decisions if d.announced], quiet=[d for d in decisions if not d.announced]
    )


def _record(decision: Decision, now: dt.datetime) -> AlertRecord:
    return AlertRecord(
        key=decision.key,
        fingerprint=decision.fingerprint,
        day=decision.alert.date,
        metric=decision.alert.metric,
        severity=decision.alert.severity,
        decision=decision.decision,
        announced=decision.announced,
        alert=decision.alert.model_dump(mode="json"),
        created_at=now,
    )
