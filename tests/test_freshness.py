"""Has a day arrived whole: the rule the daily job and /healthz apply to any cube source."""

from __future__ import annotations

import datetime as dt

from core.freshness import assess_freshness

DAY = dt.date(2026, 11, 30)


def days(rows: list[int], last: dt.date = DAY) -> list[tuple[dt.date, int]]:
    return [(last - dt.timedelta(days=len(rows) - 1 - i), n) for i, n in enumerate(rows)]


def test_a_complete_day_has_arrived() -> None:
    fresh = assess_freshness(DAY, days([1000, 1000, 990, 1000, 1010, 1000, 1000, 995]))
    assert fresh.arrived and fresh.reason == ""
    assert fresh.rows == 995 and fresh.typical_rows == 1000


def test_a_half_loaded_day_waits_and_says_why() -> None:
    fresh = assess_freshness(DAY, days([1000] * 7 + [480]))
    assert not fresh.arrived
    assert fresh.reason == "2026-11-30 has 480 rows, 48% of a typical day (1,000): still loading"


def test_a_missing_day_waits() -> None:
    fresh = assess_freshness(DAY, days([1000] * 7, last=DAY - dt.timedelta(days=1)))
    assert not fresh.arrived and fresh.latest_day == DAY - dt.timedelta(days=1)
    assert "latest day with data is 2026-11-29" in fresh.reason
    assert not assess_freshness(DAY, []).arrived


def test_the_first_day_ever_has_nothing_to_compare_with() -> None:
    assert assess_freshness(DAY, days([1000])).arrived
