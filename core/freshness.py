"""Has a day's data arrived whole? The latest day and its row count against the days before it.

A warehouse is refreshed every night, sometimes late and sometimes in parts. Scanning a half-loaded day
raises alerts on data that is merely incomplete, so the daily job waits until the day is there *and* has at
least ``min_share`` of the rows of a typical recent day (the median of the up to 7 days before it).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence

from pydantic import BaseModel

MIN_SHARE = 0.9
TRAILING_DAYS = 7


class Freshness(BaseModel):
    day: dt.date  # the day asked about
    latest_day: dt.date | None
    rows: int  # rows of ``day``
    typical_rows: float | None  # median rows of the days before it
    arrived: bool  # ``day`` is there and complete
    reason: str  # why not, in English (logs, /healthz); "" when arrived


def assess_freshness(
    day: dt.date, recent: Sequence[tuple[dt.date, int]], *, min_share: float = MIN_SHARE
) -> Freshness:
    """``recent``: (date, rows) of the latest days with data, any order."""
    rows_of = dict(recent)
    latest = max(rows_of) if rows_of else None
    rows = int(rows_of.get(day, 0))
    before = [n for d, n in sorted(rows_of.items()) if d < day][-TRAILING_DAYS:]
    typical = float(statistics.median(before)) if before else None
    if latest is None or latest < day:
        reason = f"the latest day with data is {latest}" if latest else "no data at all"
    elif rows == 0:
        reason = f"{day} has no rows"
    elif typical is not None and rows < min_share * typical:
        reason = (
            f"{day} has {rows:,} rows, {rows / typical:.0%} of a typical day ({typical:,.0f}): still loading"
        )
    else:
        reason = ""
    return Freshness(
        day=day, latest_day=latest, rows=rows, typical_rows=typical, arrived=not reason, reason=reason
    )
