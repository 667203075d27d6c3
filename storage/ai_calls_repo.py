"""The AI calls log: every narration's latency, tokens and outcome; summarised by ``memberops ai stats``."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.ai import CallRecord
from storage.db import session_scope
from storage.tables import AICall


def record_call(engine: Engine, record: CallRecord) -> None:
    with session_scope(engine) as session:
        session.add(
            AICall(
                section=record.section,
                model=record.model,
                started_at=record.started_at,
                latency_s=record.latency_s,
                prompt_tokens=record.prompt_tokens,
                completion_tokens=record.completion_tokens,
                outcome=str(record.outcome),
                reason=(record.reason or None) and record.reason[:256],
                attempts=record.attempts,
                cached=record.cached,
            )
        )


class AIStatsRow(BaseModel):
    section: str
    outcome: str
    reason: str | None
    calls: int
    mean_latency_s: float
    max_latency_s: float
    prompt_tokens: int
    completion_tokens: int


def call_stats(engine: Engine, since: dt.datetime | None = None) -> list[AIStatsRow]:
    query = select(
        AICall.section,
        AICall.outcome,
        AICall.reason,
        func.count(),
        func.avg(AICall.latency_s),
        func.max(AICall.latency_s),
        func.coalesce(func.sum(AICall.prompt_tokens), 0),
        func.coalesce(func.sum(AICall.completion_tokens), 0),
    ).group_by(AICall.section, AICall.outcome, AICall.reason)
    if since is not None:
        query = query.where(AICall.started_at >= since)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(AICall.section, AICall.outcome)).all()
    return [
        AIStatsRow(
            section=r[0],
            outcome=r[1],
            reason=r[2],
            calls=int(r[3]),
            mean_latency_s=float(r[4] or 0),
            max_latency_s=float(r[5] or 0),
            prompt_tokens=int(r[6]),
            completion_tokens=int(r[7]),
        )
        for r in rows
    ]
