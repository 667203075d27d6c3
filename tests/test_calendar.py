"""The business calendar's three sources: the published schedule, the team's holiday file, the rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.calendar import CalendarSource, ChineseCalendar, DayKind, HolidayFileError


def test_published_years_come_from_the_library_with_adjusted_workdays() -> None:
    calendar = ChineseCalendar()
    national_day = calendar.info(dt.date(2026, 10, 1))
    assert (national_day.kind, national_day.source, national_day.provisional) == (
        DayKind.HOLIDAY,
        CalendarSource.LIBRARY,
        False,
    )
    assert calendar.info(dt.date(2026, 9, 30)).before_holiday is True
    assert calendar.info(dt.date(2026, 10, 8)).after_holiday is True
    assert calendar.info(dt.date(2026, 11, 21)).kind == DayKind.WEEKEND


def test_an_unpublished_year_uses_the_teams_holiday_file(tmp_path: Path) -> None:
    holidays = tmp_path / "holidays.csv"
    holidays.write_text(
        "date,kind,name\n2027-02-06,holiday,春节\n2027-02-08,holiday,春节\n2027-02-14,workday,春节调休\n",
        encoding="utf-8",
    )
    calendar = ChineseCalendar(holidays)
    spring = calendar.info(dt.date(2027, 2, 8))  # a Monday off
    assert (spring.kind, spring.holiday_name, spring.source) == (
        DayKind.HOLIDAY,
        "春节",
        CalendarSource.HOLIDAY_FILE,
    )
    assert spring.provisional
    adjusted = calendar.info(dt.date(2027, 2, 14))  # a Sunday worked
    assert adjusted.kind == DayKind.ADJUSTED_WORKDAY
    assert calendar.info(dt.date(2027, 3, 3)).kind == DayKind.WORKDAY  # not listed: weekday rules


def test_without_a_file_the_holidays_rules_keep_1_january_working() -> None:
    new_year = ChineseCalendar().info(dt.date(2027, 1, 1))
    assert (new_year.kind, new_year.source, new_year.provisional) == (
        DayKind.HOLIDAY,
        CalendarSource.RULES,
        True,
    )


@pytest.mark.parametrize(
    ("row", "expected"),
    [("2027-02-30,holiday", ":2:date: "), ("2027-02-06,vacation", ":2:kind: ")],
)
def test_a_bad_holiday_file_names_file_row_and_column(tmp_path: Path, row: str, expected: str) -> None:
    holidays = tmp_path / "holidays.csv"
    holidays.write_text(f"date,kind\n{row}\n", encoding="utf-8")
    with pytest.raises(HolidayFileError, match=f"holidays.csv{expected}"):
        ChineseCalendar(holidays)
