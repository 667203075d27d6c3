"""The explained period and its comparable baseline period.

* a day is compared with the same weekday one week earlier (weekly seasonality is the strongest pattern in
  the cube, so "yesterday vs the day before" would mostly explain the weekday);
* a week (or the part of a week that has data) is compared with the same days one week earlier, which for
  a full week is exactly the previous 7 days;
* a range ``D1~D2`` of up to four weeks is compared with the same weekdays whole weeks earlier (8 days
  against the 8 days two weeks earlier, so weekdays line up).
"""

from __future__ import annotations

import datetime as dt

from core.why.models import WhyPeriod

WEEK = dt.timedelta(days=7)


def day_period(day: dt.date) -> WhyPeriod:
    return WhyPeriod(kind="day", start=day, end=day, baseline_start=day - WEEK, baseline_end=day - WEEK)


def week_period(start: dt.date, end: dt.date) -> WhyPeriod:
    if end < start or (end - start).days > 6:
        raise ValueError(f"a week period spans 1 to 7 days, not {start}..{end}")
    return WhyPeriod(kind="week", start=start, end=end, baseline_start=start - WEEK, baseline_end=end - WEEK)


MAX_RANGE_DAYS = 28


def range_period(start: dt.date, end: dt.date) -> WhyPeriod:
    """Any span of 1 to ``MAX_RANGE_DAYS`` days against the same weekdays whole weeks earlier: up to a week
    against the week before, a longer span against the span of whole weeks just before it."""
    days = (end - start).days + 1
    if days < 1 or days > MAX_RANGE_DAYS:
        raise ValueError(f"a range spans 1 to {MAX_RANGE_DAYS} days, not {start}..{end}")
    if days <= 7:
        return week_period(start, end)
    back = dt.timedelta(days=7 * -(-days // 7))
    return WhyPeriod(kind="range", start=start, end=end, baseline_start=start - back, baseline_end=end - back)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def this_week(latest_day: dt.date) -> WhyPeriod:
    """Monday of the latest data day's week through that day."""
    return week_period(monday_of(latest_day), latest_day)


def last_week(reference_day: dt.date, latest_day: dt.date) -> WhyPeriod:
    """The calendar week (Monday–Sunday) before ``reference_day``'s week, cut at the latest data day."""
    start = monday_of(reference_day) - WEEK
    return week_period(start, min(start + dt.timedelta(days=6), latest_day))


def rolling_week(latest_day: dt.date) -> WhyPeriod:
    """The 7 days ending on the latest data day."""
    return week_period(latest_day - dt.timedelta(days=6), latest_day)
