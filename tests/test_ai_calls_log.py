from __future__ import annotations

import datetime as dt

from core.ai import CallRecord, Outcome
from storage.ai_calls_repo import call_stats, record_call


def _record(outcome: Outcome, reason: str | None, latency: float, tokens: int | None) -> CallRecord:
    return CallRecord(
        section="explanation",
        model="gpt-4o-mini",
        started_at=dt.datetime(2026, 11, 24, 1, 0, tzinfo=dt.UTC),
        latency_s=latency,
        prompt_tokens=tokens,
        completion_tokens=tokens and tokens // 10,
        outcome=outcome,
        reason=reason,
        attempts=1,
    )


def test_calls_are_logged_and_summarised(engine) -> None:
    record_call(engine, _record(Outcome.OK, None, 1.0, 1000))
    record_call(engine, _record(Outcome.OK, None, 3.0, 500))
    record_call(engine, _record(Outcome.FALLBACK, "timeout", 8.0, None))
    rows = {(r.outcome, r.reason): r for r in call_stats(engine)}
    ok = rows[("ok", None)]
    assert (ok.calls, ok.mean_latency_s, ok.max_latency_s, ok.prompt_tokens, ok.completion_tokens) == (
        2,
        2.0,
        3.0,
        1500,
        150,
    )
    assert rows[("fallback", "timeout")].calls == 1
    assert call_stats(engine, since=dt.datetime(2026, 11, 25, tzinfo=dt.UTC)) == []
