"""The daily alert job against the fake Slack Web API (real HTTP), with injected time and no sleeping:
one digest per day, no repost after a restart, 429 retried after Retry-After, a 5xx storm ends failed and
recovery resends, a crash between "sent" and "recorded" does not repost, a missing day gives the notice
then the digest, and two replicas on the real PostgreSQL post each digest exactly once."""

from __future__ import annotations

import datetime as dt
import threading

from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from scheduler.channels import SlackChannel
from scheduler.jobs import AlertHost, daily_alert_job, delivery_job, install
from scheduler.outbox import DeliveryPolicy, deliver_due
from scheduler.pipeline import AlertRuntime, run_daily
from storage.db import make_engine
from storage.migrate import upgrade
from storage.outbox_repo import claim_next, deliveries_of
from tests.conftest import _reset_postgres
from tests.fakes.slack_api import FakeSlack, Scripted
from tests.test_scheduler_support import FakeClock, ScriptedScans, local, make_alert, make_runtime

DAY = dt.date(2026, 3, 2)
MORNING = local(DAY + dt.timedelta(days=1), 9)


def slack_channel(fake: FakeSlack) -> SlackChannel:
    client = WebClient(token="xoxb-test", base_url=fake.api_url, timeout=5, retry_handlers=[])
    return SlackChannel(client, "C0ALERTS")


def scans_with_alerts() -> ScriptedScans:
    return ScriptedScans(
        alerts={
            DAY: [make_alert(DAY, z=-3.2), make_alert(DAY, metric="dau", scope={"platform": "iOS"}, z=2.3)]
        },
        days_with_data={DAY},
    )


def runtime(engine: Engine, fake: FakeSlack, clock: FakeClock, scans: ScriptedScans, **kw) -> AlertRuntime:  # type: ignore[no-untyped-def]
    return make_runtime(engine, {"slack": slack_channel(fake)}, clock, scans, **kw)


def posts(fake: FakeSlack) -> list:  # type: ignore[type-arg]
    return [c for c in fake.api("chat.postMessage") if c.status == 200]


def header(call) -> str:  # type: ignore[no-untyped-def]
    return call.body["blocks"][0]["text"]["text"]


def test_the_scheduled_job_posts_one_digest_and_a_restart_does_not_repost(
    sqlite_engine: Engine, slack: FakeSlack
) -> None:
    clock, scans = FakeClock(MORNING), scans_with_alerts()
    install(AlertHost(runtime(sqlite_engine, slack, clock, scans, worker="replica-a")))
    outcome = daily_alert_job()
    assert (outcome.day, outcome.state, outcome.announced, outcome.queued) == (DAY, "queued", 2, ["slack"])
    [post] = posts(slack)
    assert header(post) == ":red_circle: Digest 2026-03-02"
    assert post.body["channel"] == "C0ALERTS"
    assert post.body["metadata"]["event_payload"] == {"delivery": "digest:2026-03-02", "part": 0}
    buttons = next(b for b in post.body["blocks"] if b["type"] == "actions")["elements"]
    assert [b["value"] for b in buttons] == ["2026-03-02|arpu|*", "2026-03-02|dau|platform=iOS"]

    # restart: a new process (new worker, new runtime) runs the missed job again an hour later
    clock.advance(hours=1)
    install(AlertHost(runtime(sqlite_engine, slack, clock, scans, worker="replica-a-restarted")))
    outcome = daily_alert_job()
    assert outcome.state == "already_queued"
    delivery_job()
    assert len(posts(slack)) == 1
    assert scans.calls == [DAY]  # the scan itself ran once
    install(None)


def test_429_is_retried_after_retry_after(sqlite_engine: Engine, slack: FakeSlack) -> None:
    slack.script(
        "chat.postMessage", Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"})
    )
    clock = FakeClock(MORNING)
    rt = runtime(sqlite_engine, slack, clock, scans_with_alerts())
    outcome = run_daily(rt)
    assert outcome.delivery is not None and len(outcome.delivery.retrying) == 1
    [row] = deliveries_of(sqlite_engine, "digest:2026-03-02")
    assert row.next_attempt_at == MORNING + dt.timedelta(seconds=7)
    assert "Retry-After 7s" in (row.last_error or "")
    clock.advance(seconds=6)
    assert deliver_due(sqlite_engine, rt.channels, clock=clock, worker="w").sent == []
    clock.advance(seconds=1)
    assert len(deliver_due(sqlite_engine, rt.channels, clock=clock, worker="w").sent) == 1
    assert [c.status for c in slack.api("chat.postMessage")] == [429, 200]


def test_a_5xx_storm_ends_failed_with_the_error_and_recovery_resends(
    sqlite_engine: Engine, slack: FakeSlack
) -> None:
    slack.script("chat.postMessage", *[Scripted(503, "<html>busy</html>")] * 3)
    clock = FakeClock(MORNING)
    rt = runtime(
        sqlite_engine, slack, clock, scans_with_alerts(), delivery_max_tries=3, delivery_recovery_minutes=60
    )
    install(AlertHost(rt))
    run_daily(rt)
    clock.advance(seconds=30)
    delivery_job()
    clock.advance(seconds=60)
    delivery_job()
    [row] = deliveries_of(sqlite_engine, "digest:2026-03-02")
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error == "gave up after 3 tries: slack HTTP 503"
    assert [c.status for c in slack.api("chat.postMessage")] == [503, 503, 503]
    clock.advance(minutes=30)
    delivery_job()
    assert deliveries_of(sqlite_engine, "digest:2026-03-02")[0].status == "failed"  # recovery waits an hour
    clock.advance(minutes=30)
    delivery_job()  # Slack is back: recovery resends
    [row] = deliveries_of(sqlite_engine, "digest:2026-03-02")
    assert row.status == "sent"
    assert [c.status for c in slack.api("chat.postMessage")] == [503, 503, 503, 200]
    install(None)


def test_a_crash_between_sent_and_recorded_does_not_repost(sqlite_engine: Engine, slack: FakeSlack) -> None:
    clock = FakeClock(MORNING)
    rt = runtime(sqlite_engine, slack, clock, scans_with_alerts())
    rt_policy = DeliveryPolicy(claim_for=dt.timedelta(minutes=5))
    from scheduler.pipeline import prepare_day

    prepare_day(rt, DAY)
    # a worker claims the row, Slack accepts the message, and the worker dies before recording it
    crashed = claim_next(sqlite_engine, ["slack"], "dead", clock.now, rt_policy.claim_for)
    assert crashed is not None
    slack.script(
        "conversations.history",
        Scripted(
            200,
            {
                "ok": True,
                "messages": [
                    {"ts": "1772500000.000200", "text": "other"},
                    {
                        "ts": "1772500000.000100",
                        "metadata": {
                            "event_type": "memberops_delivery",
                            "event_payload": {"delivery": "digest:2026-03-02", "part": 0},
                        },
                    },
                ],
            },
        ),
    )
    clock.advance(minutes=5)
    report = deliver_due(sqlite_engine, rt.channels, clock=clock, worker="w", policy=rt_policy)
    assert len(report.sent) == 1
    assert slack.api("chat.postMessage") == []  # found in the channel: not posted again
    [row] = deliveries_of(sqlite_engine, "digest:2026-03-02")
    assert (row.status, row.thread_ref) == ("sent", "1772500000.000100")
    assert slack.api("conversations.history")[0].body["include_all_metadata"] in ("1", "true", True)


def test_a_missing_day_gives_the_notice_then_the_digest(sqlite_engine: Engine, slack: FakeSlack) -> None:
    clock = FakeClock(MORNING)
    scans = scans_with_alerts()
    scans.days_with_data = set()
    rt = runtime(sqlite_engine, slack, clock, scans)
    first = run_daily(rt)
    assert (first.state, first.recheck_at) == ("waiting_for_data", MORNING + dt.timedelta(minutes=30))
    assert [header(c) for c in posts(slack)] == ["Data not arrived 2026-03-02"]
    clock.advance(minutes=30)
    second = run_daily(rt)  # the re-check: still missing, no second notice
    assert second.state == "waiting_for_data"
    assert len(posts(slack)) == 1
    scans.days_with_data = {DAY}
    clock.advance(minutes=30)
    third = run_daily(rt)
    assert third.state == "queued"
    assert [header(c) for c in posts(slack)] == [
        "Data not arrived 2026-03-02",
        ":red_circle: Digest 2026-03-02",
    ]
    assert scans.calls == [DAY]


def test_after_the_cutoff_the_scan_runs_without_data(sqlite_engine: Engine, slack: FakeSlack) -> None:
    clock = FakeClock(local(DAY + dt.timedelta(days=1), 13, 50))
    scans = ScriptedScans()
    rt = runtime(sqlite_engine, slack, clock, scans, alert_data_cutoff=dt.time(14, 0))
    assert run_daily(rt).recheck_at == local(DAY + dt.timedelta(days=1), 14, 0)  # capped at the cut-off
    clock.advance(minutes=10)
    assert run_daily(rt).state == "queued"
    assert [header(c) for c in posts(slack)] == ["Data not arrived 2026-03-02", "Digest 2026-03-02"]


def test_two_replicas_on_postgresql_post_each_digest_exactly_once(
    postgres_server_url: str, slack: FakeSlack
) -> None:
    _reset_postgres(postgres_server_url)
    engines = [make_engine(postgres_server_url) for _ in range(2)]
    upgrade(engines[0])
    days = [DAY + dt.timedelta(days=i) for i in range(6)]
    scans = ScriptedScans(
        alerts={
            d: [make_alert(d, z=-3.0 - i), make_alert(d, metric="revenue", z=2.2)] for i, d in enumerate(days)
        },
        days_with_data=set(days),
    )
    try:
        for day in days:
            clock = FakeClock(local(day + dt.timedelta(days=1), 9))
            replicas = [
                runtime(engine, slack, clock, scans, worker=f"replica-{i}")
                for i, engine in enumerate(engines)
            ]
            barrier = threading.Barrier(len(replicas))
            outcomes: list = []  # type: ignore[type-arg]
            errors: list[BaseException] = []

            def replica_run(
                rt: AlertRuntime,
                barrier: threading.Barrier = barrier,
                outcomes: list = outcomes,  # type: ignore[type-arg]
                errors: list[BaseException] = errors,
            ) -> None:
                try:
                    barrier.wait()
                    outcomes.append(run_daily(rt))
                except BaseException as exc:  # pragma: no cover - reported below
                    errors.append(exc)

            threads = [threading.Thread(target=replica_run, args=(rt,)) for rt in replicas]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert errors == []
            assert sorted(o.state for o in outcomes)[-1] == "queued"
            assert sum(o.state == "queued" for o in outcomes) == 1
        digests = [c.body["metadata"]["event_payload"]["delivery"] for c in posts(slack)]
        assert sorted(digests) == [f"digest:{d.isoformat()}" for d in days]
        assert scans.calls.count(DAY) == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_two_replicas_claim_delivery_rows_atomically_on_postgresql(
    postgres_server_url: str, slack: FakeSlack
) -> None:
    from handlers.card import Card
    from scheduler.outbox import queue_card

    _reset_postgres(postgres_server_url)
    engines = [make_engine(postgres_server_url) for _ in range(2)]
    upgrade(engines[0])
    clock = FakeClock(MORNING)
    for i in range(30):
        queue_card(
            engines[0],
            digest_key=f"notice:{i}",
            kind="notice",
            day=DAY,
            card=Card(title=f"n{i}"),
            channels=["slack"],
            now=clock.now,
        )
    channels = {"slack": slack_channel(slack)}
    barrier = threading.Barrier(2)
    reports: list = []  # type: ignore[type-arg]

    def worker(engine: Engine, name: str) -> None:
        barrier.wait()
        reports.append(deliver_due(engine, channels, clock=clock, worker=name))

    threads = [threading.Thread(target=worker, args=(e, f"w{i}")) for i, e in enumerate(engines)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        sent = sorted(c.body["metadata"]["event_payload"]["delivery"] for c in posts(slack))
        assert sent == sorted(f"notice:{i}" for i in range(30))  # each once, none twice
        assert sum(len(r.sent) for r in reports) == 30
    finally:
        for engine in engines:
            engine.dispose()


def test_a_quiet_day_posts_the_all_normal_digest_unless_silent(
    sqlite_engine: Engine, slack: FakeSlack
) -> None:
    """DIGEST_QUIET_DAYS=panel (default): a day without alerts still posts one short digest, so silence always
    means something is wrong; =silent: nothing is posted and the outcome says why."""
    clock, quiet = FakeClock(MORNING), ScriptedScans(days_with_data={DAY})
    install(AlertHost(runtime(sqlite_engine, slack, clock, quiet)))
    outcome = daily_alert_job()
    assert (outcome.state, outcome.announced, outcome.queued) == ("queued", 0, ["slack"])
    delivery_job()
    [post] = posts(slack)
    assert "2026-03-02" in header(post)
    install(None)

    silent_engine = make_engine(f"sqlite:///{sqlite_engine.url.database}-silent.db")
    upgrade(silent_engine)
    silent_slack_calls = len(posts(slack))
    install(AlertHost(runtime(silent_engine, slack, clock, quiet, digest_quiet_days="silent")))
    outcome = daily_alert_job()
    assert (outcome.state, outcome.queued) == ("quiet", [])
    delivery_job()
    assert len(posts(slack)) == silent_slack_calls  # nothing more was posted
    assert deliveries_of(silent_engine, "digest:2026-03-02") == []
    install(None)
