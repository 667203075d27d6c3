"""Which days the series cache asks a warehouse for: month-sized blocks, newest first, never twice."""

from __future__ import annotations

import datetime as dt

from storage.sources.series_cache import BLOCK_DAYS, _spans

DAY0 = dt.date(2026, 1, 1)


def day(i: int) -> dt.date:
    return DAY0 + dt.timedelta(days=i)


def test_a_first_read_goes_in_blocks_newest_first_and_leaves_the_recent_days_to_the_recheck() -> None:
    days = [day(i) for i in range(100)]
    recent = {day(i): (10, 1.0) for i in range(92, 100)}
    spans = _spans(days, {}, recent)
    assert spans[0][1] == day(91) and spans[-1][0] == day(0)  # newest first, down to the first day
    assert all((last - first).days + 1 <= BLOCK_DAYS for first, last in spans)
    covered = [first + dt.timedelta(days=k) for first, last in spans for k in range((last - first).days + 1)]
    assert sorted(covered) == [day(i) for i in range(92)]  # every day once, none of the recent ones


def test_days_already_read_split_the_blocks() -> None:
    read = {day(i): (10, 1.0) for i in range(10, 20)}
    assert _spans([day(i) for i in range(30)], read, {}) == [(day(20), day(29)), (day(0), day(9))]
