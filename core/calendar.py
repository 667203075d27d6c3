"""Chinese business calendar: public holidays, adjusted working days (调休) and the days around a break.

Sources, in order of trust:

1. ``chinese_calendar`` – the State Council's published schedule, including 调休 working weekends. It
   only covers years that have been published and raises ``NotImplementedError`` for later ones.
2. A holiday file the team maintains (CSV with ``date,kind[,name]``; ``kind`` is ``holiday`` or
   ``workday``) – used for a year the library does not cover yet. Marked *provisional*.
3. The ``holidays`` package's rules for China – statutory holidays only, no 调休. Marked *provisional*.

The scan must keep working on 1 January, so an uncovered year never raises here.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import pandas as pd
from pydantic import BaseModel


class DayKind(StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"  # 调休: a weekend day that is a working day


class CalendarSource(StrEnum):
    LIBRARY = "chinese_calendar"
    HOLIDAY_FILE = "holiday_file"
    RULES = "holidays_rules"


class DayInfo(BaseModel):
    date: dt.date
    kind: DayKind
    holiday_name: str | None = None
    before_holiday: bool = False  # the last working day before a break of 3+ days
    after_holiday: bool = False  # the first working day after a break of 3+ days
    source: CalendarSource = CalendarSource.LIBRARY

    @property
    def provisional(self) -> bool:
        return self.source != CalendarSource.LIBRARY

    @property
    def is_off(self) -> bool:
        return self.kind in (DayKind.WEEKEND, DayKind.HOLIDAY)


class HolidayFileError(ValueError):
    pass


def read_holiday_file(path: Path) -> dict[dt.date, tuple[str, str | None]]:
    """Read the team's holiday file: ``date,kind[,name]`` rows, kind ``holiday`` or ``workday``."""
    entries: dict[dt.date, tuple[str, str | None]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row_number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                day = dt.date.fromisoformat((row.get("date") or "").strip())
            except ValueError as exc:
                raise HolidayFileError(f"{path}:{row_number}:date: not a YYYY-MM-DD date") from exc
            kind = (row.get("kind") or "").strip().lower()
            if kind not in ("holiday", "workday"):
                raise HolidayFileError(f"{path}:{row_number}:kind: must be 'holiday' or 'workday'")
            entries[day] = (kind, (row.get("name") or "").strip() or None)
    return entries


class ChineseCalendar:
    """Answers "what kind of day was this?" for any date, saying when the answer is provisional."""

    def __init__(self, holiday_file: Path | None = None) -> None:
        self._file_entries = (
            read_holiday_file(holiday_file) if holiday_file is not None and holiday_file.exists() else {}
        )
        self._file_years = {d.year for d in self._file_entries}
        self._info = lru_cache(maxsize=8192)(self._compute)

    def info(self, day: dt.date) -> DayInfo:
        return self._info(day)

    def frame(self, dates: Iterable[dt.date] | pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
        """One row per distinct date: kind, holiday name, before/after flags, provisional, day of week."""
        distinct = sorted({pd.Timestamp(d).date() for d in dates})
        rows = []
        for day in distinct:
            info = self.info(day)
            rows.append(
                {
                    "date": pd.Timestamp(day),
                    "kind": str(info.kind),
                    "holiday_name": info.holiday_name,
                    "before_holiday": info.before_holiday,
                    "after_holiday": info.after_holiday,
                    "provisional": info.provisional,
                    "weekday": day.weekday(),
                }
            )
        return pd.DataFrame(rows)

    # -- internals -----------------------------------------------------------------------------------

    def _compute(self, day: dt.date) -> DayInfo:
        kind, name, source = self._base(day)
        info = DayInfo(date=day, kind=kind, holiday_name=name, source=source)
        if not info.is_off:
            info.before_holiday = self._break_length(day + dt.timedelta(days=1), 1) >= 3
            info.after_holiday = self._break_length(day - dt.timedelta(days=1), -1) >= 3
        return info

    def _break_length(self, start: dt.date, step: int) -> int:
        """How many consecutive off days start at ``start`` going in direction ``step``."""
        length, day = 0, start
        while length < 10 and self._base(day)[0] in (DayKind.WEEKEND, DayKind.HOLIDAY):
            length += 1
            day += dt.timedelta(days=step)
        # a plain weekend is a 2-day break; count a break only if it contains a public holiday
        has_holiday = any(
            self._base(start + dt.timedelta(days=i * step))[0] == DayKind.HOLIDAY for i in range(length)
        )
        return length if has_holiday else 0

    @lru_cache(maxsize=8192)  # noqa: B019 - the calendar lives for the whole process
    def _base(self, day: dt.date) -> tuple[DayKind, str | None, CalendarSource]:
        weekend = day.weekday() >= 5
        library = _from_library(day)
        if library is not None:
            is_holiday, name = library
            return _kind(weekend, is_holiday, name), name, CalendarSource.LIBRARY
        if day.year in self._file_years:
            kind, name = self._file_entries.get(day, (None, None))
            is_off = kind == "holiday" or (kind is None and weekend)
            return (
                _kind(weekend, is_off, name if kind == "holiday" else None),
                name,
                CalendarSource.HOLIDAY_FILE,
            )
        name = _from_rules(day)
        return _kind(weekend, weekend or name is not None, name), name, CalendarSource.RULES


def _kind(weekend: bool, is_off: bool, holiday_name: str | None) -> DayKind:
    if is_off:
        return DayKind.HOLIDAY if holiday_name else DayKind.WEEKEND
    return DayKind.ADJUSTED_WORKDAY if weekend else DayKind.WORKDAY


def _from_library(day: dt.date) -> tuple[bool, str | None] | None:
    import chinese_calendar

    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return bool(is_holiday), (name if is_holiday else None)


@lru_cache(maxsize=64)
def _rules_for_year(year: int) -> dict[dt.date, str]:
    import holidays

    return dict(holidays.country_holidays("CN", years=year).items())


def _from_rules(day: dt.date) -> str | None:
    return _rules_for_year(day.year).get(day)
