"""Resolved alerts: an announced episode whose series no longer alerts has recovered.

The day's scan moves ``last_seen_day`` of every series that still alerts (announced or quiet); a series
whose announced episode was last seen the day before did not alert today — its metric is back inside the
normal range (the baselines leave the incident's days out, so its end is not a new anomaly). For those
series, once per day: one short card ("已恢复 · 持续 3 天") that amends the announcing digest in place
where the platform can edit messages (Slack), and goes out as a new message elsewhere (DingTalk, WeCom,
console); then the series is marked resolved so a rerun does not announce it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from core.cube import METRICS
from handlers.card import Amend, Card, CardSection, Severity
from handlers.context import HandlerContext
from handlers.why_parts import scope_text
from storage.tables import AlertSeriesState


@dataclass(frozen=True)
class Recovery:
    fingerprint: str
    metric: str
    scope: dict[str, str]
    episode_start: dt.date
    last_day: dt.date  # the last day it alerted
    announced_day: dt.date  # the digest that last announced it
    recovered_on: dt.date

    @property
    def days(self) -> int:
        return (self.last_day - self.episode_start).days + 1


def recoveries(states: list[AlertSeriesState], day: dt.date) -> list[Recovery]:
    return [
        Recovery(
            fingerprint=s.fingerprint,
            metric=s.metric,
            scope={str(k): str(v) for k, v in dict(s.scope).items()},
            episode_start=s.episode_start or s.last_seen_day,  # type: ignore[arg-type]
            last_day=s.last_seen_day,  # type: ignore[arg-type]
            announced_day=s.last_notified_day,  # type: ignore[arg-type]
            recovered_on=day,
        )
        for s in states
        if s.last_seen_day is not None and s.last_notified_day is not None
    ]


def recovery_line(recovery: Recovery, context: HandlerContext) -> str:
    definition = METRICS.get(recovery.metric)
    label = definition.label(context.language) if definition else recovery.metric
    where = scope_text(recovery.scope, context)
    span = (
        str(recovery.episode_start)
        if recovery.days == 1
        else f"{recovery.episode_start} ~ {recovery.last_day}"
    )
    return context.t(
        f"✅ 已恢复 · 持续 {recovery.days} 天 · {label} · {where}（{span}，{recovery.recovered_on} 回到正常范围）",
        f"✅ Recovered · lasted {recovery.days} day{'s' if recovery.days > 1 else ''} · {label} · {where} "
        f"({span}; back in the normal range on {recovery.recovered_on})",
    )


def recovery_card(
    found: list[Recovery], day: dt.date, context: HandlerContext, digest_key_of: Callable[[dt.date], str]
) -> Card:
    """One card for the day's recoveries; each amends the digest that announced it."""
    lines = [recovery_line(r, context) for r in found]
    return Card(
        title=context.t(f"{day} 已恢复：{len(found)} 个异常", f"{day}: {len(found)} recovered"),
        severity=Severity.INFO,
        sections=[CardSection(title=context.t("已恢复", "Recovered"), bullets=lines)],
        language=context.language,
        amends=[
            Amend(digest_key=digest_key_of(r.announced_day), line=line, fingerprint=r.fingerprint)
            for r, line in zip(found, lines, strict=True)
        ],
    )
