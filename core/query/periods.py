"""Period words of a breakdown question, resolved to days of data.

A breakdown sums any span (a month, two weeks, a range of dates), unlike /why, which compares at most four
weeks with the same weekdays earlier. Words: 今天/昨天, 本周/上周, 最近两周/近N天/近N周, 本月/上个月, 11月,
2026年11月 / 2026-11, 今年, a date, ``D1~D2``; in English this/last week, this/last month, last N days.
Relative words count from the reference day ("today"); a period is cut at the latest data day and
must overlap the data.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from core.text_numbers import CHINESE_NUMBER, small_number

DEFAULT_DAYS = 7  # no period word: the last seven days of data


_N = rf"(\d{{1,3}}|{CHINESE_NUMBER})"
_MONTHS_EN = {m: i for i, m in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"), start=1)}  # fmt: skip
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"


class PeriodError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    label_zh: str
    label_en: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _n(text: str) -> int:
    return small_number(text)


def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    if not 1 <= month <= 12:
        raise PeriodError(f"没有 {month} 月", f"There is no month {month}")
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _day_of(text: str) -> dt.date:
    year, month, day = (int(x) for x in re.findall(r"\d+", text))
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise PeriodError(f"「{text}」不是有效日期", f"'{text}' is not a valid date") from error


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _rules() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(rf"({_DATE})\s*(?:~|～|至|到|\.\.)\s*({_DATE})"), "range"),
        (re.compile(rf"(?<!\d){_DATE}"), "date"),
        (re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"), "month_day"),
        (re.compile(r"(?<![\d-])(\d{4})\s*(?:年|-|/)\s*(\d{1,2})\s*月?(?![\d-]|\s*[日号])"), "year_month"),
        (re.compile(r"(?<![\d年])(\d{1,2})\s*月份?(?!\s*\d)"), "month"),
        (
            re.compile(
                r"(?<![a-z])(may)\s+(\d{4})(?![\d])|(?<![a-z])("
                + "|".join(m for m in _MONTHS_EN if m != "may")
                + "|"
                + "|".join(m[:3] for m in _MONTHS_EN if m != "may")
                + r")(?:\s+(\d{4}))?(?![a-z])",
                re.I,
            ),
            "month_en",
        ),  # "may" only with its year
        (re.compile(r"本月|这个月|这月|当月|this month", re.I), "this_month"),
        (re.compile(r"上个月|上月|last month", re.I), "last_month"),
        (re.compile(r"今年|this year", re.I), "this_year"),
        (re.compile(rf"(?:最近|近|过去)\s*{_N}\s*(?:个)?(?:周|星期|礼拜)"), "weeks"),
        (re.compile(r"(?:last|past)\s+(\d{1,3}|two|three|four)\s+weeks", re.I), "weeks_en"),
        (re.compile(rf"(?:最近|近|过去)\s*{_N}\s*(?:天|日)"), "days"),
        (re.compile(r"(?:last|past)\s+(\d{1,3})\s+days", re.I), "days_en"),
        (re.compile(r"(?:最近|近)(?:一个月|1个月)|past month", re.I), "thirty"),
        (
            re.compile(r"上上周|上上星期|上上个星期|the week before last|week before last", re.I),
            "week_before_last",
        ),
        (re.compile(r"前天|the day before yesterday", re.I), "day_before_yesterday"),
        (re.compile(r"本周|这周|这星期|本星期|this week", re.I), "this_week"),
        (re.compile(r"上周|上星期|上一周|last week", re.I), "last_week"),
        (re.compile(r"昨天|昨日|yesterday", re.I), "yesterday"),
        (re.compile(r"今天|今日|today", re.I), "today"),
    ]


RULES = _rules()


def cut_period(text: str, reference: dt.date) -> tuple[str, tuple[dt.date, dt.date, str, str] | None]:
    """Find at most one period phrase in ``text``; return the text without it and the raw period
    (start, end, Chinese label, English label), before it is fitted to the data."""
    found: list[tuple[dt.date, dt.date, str, str]] = []
    for pattern, kind in RULES:
        match = pattern.search(text)
        if match is None:
            continue
        found.append(_resolve(kind, match, reference))
        text = text[: match.start()] + " " + text[match.end() :]
        if pattern.search(text):
            raise PeriodError("只能给一个时间范围", "Give one period only")
    if len(found) > 1:
        raise PeriodError("只能给一个时间范围", "Give one period only")
    return text, (found[0] if found else None)


def _resolve(kind: str, m: re.Match[str], ref: dt.date) -> tuple[dt.date, dt.date, str, str]:
    yesterday = ref - dt.timedelta(days=1)
    if kind == "range":
        start, end = sorted((_day_of(m[1]), _day_of(m[2])))
        return start, end, f"{start}~{end}", f"{start} to {end}"
    if kind == "date":
        day = _day_of(m[0])
        return day, day, str(day), str(day)
    if kind == "month_day":
        day = _day_of(f"{ref.year}-{m[1]}-{m[2]}")
        day = day if day < ref else _day_of(f"{ref.year - 1}-{m[1]}-{m[2]}")
        return day, day, str(day), str(day)
    if kind == "year_month":
        start, end = _month(int(m[1]), int(m[2]))
        return start, end, f"{start.year}年{start.month}月", start.strftime("%B %Y")
    if kind == "month":
        month = int(m[1])
        year = ref.year if dt.date(ref.year, month if 1 <= month <= 12 else 1, 1) <= ref else ref.year - 1
        start, end = _month(year, month)
        return start, end, f"{year}年{month}月", start.strftime("%B %Y")
    if kind == "month_en":
        name, given = (m[1], m[2]) if m[1] else (m[3], m[4])
        month = next(i for full, i in _MONTHS_EN.items() if full.startswith(name.lower()))
        year = int(given) if given else (ref.year if dt.date(ref.year, month, 1) <= ref else ref.year - 1)
        start, end = _month(year, month)
        return start, end, f"{year}年{month}月", start.strftime("%B %Y")
    if kind in ("this_month", "last_month"):
        first = yesterday.replace(day=1)
        if kind == "last_month":
            first = (first - dt.timedelta(days=1)).replace(day=1)
        start, end = _month(first.year, first.month)
        zh, en = ("本月", "this month") if kind == "this_month" else ("上个月", "last month")
        return start, end, f"{zh}（{start.year}年{start.month}月）", f"{en} ({start.strftime('%B %Y')})"
    if kind == "this_year":
        return dt.date(yesterday.year, 1, 1), yesterday, f"{yesterday.year}年", str(yesterday.year)
    if kind in ("weeks", "weeks_en", "days", "days_en", "thirty"):
        if kind == "thirty":
            days = 30
        elif kind == "weeks_en":
            days = 7 * small_number(m[1])
        else:
            days = _n(m[1]) * (7 if kind.startswith("weeks") else 1)
        if days < 1:
            raise PeriodError("天数至少为 1", "Give at least one day")
        return yesterday - dt.timedelta(days=days - 1), yesterday, f"近 {days} 天", f"last {days} days"
    if kind == "this_week":
        return _monday(yesterday), yesterday, "本周", "this week"
    if kind == "last_week":
        start = _monday(ref) - dt.timedelta(days=7)
        return start, start + dt.timedelta(days=6), "上周", "last week"
    if kind == "week_before_last":
        start = _monday(ref) - dt.timedelta(days=14)
        return start, start + dt.timedelta(days=6), "上上周", "the week before last"
    if kind == "day_before_yesterday":
        day = ref - dt.timedelta(days=2)
        return day, day, f"前天（{day}）", f"the day before yesterday ({day})"
    if kind == "yesterday":
        return yesterday, yesterday, f"昨天（{yesterday}）", f"yesterday ({yesterday})"
    return ref, ref, f"今天（{ref}）", f"today ({ref})"


def fitted(raw: tuple[dt.date, dt.date, str, str] | None, first: dt.date, latest: dt.date) -> Period:
    """The period cut to the data it overlaps (no period: the last ``DEFAULT_DAYS`` days of data)."""
    if raw is None:
        start = max(first, latest - dt.timedelta(days=DEFAULT_DAYS - 1))
        return Period(start, latest, f"近 {DEFAULT_DAYS} 天", f"last {DEFAULT_DAYS} days")
    start, end, zh, en = raw
    if start > latest or end < first:
        raise PeriodError(
            f"{zh} 没有数据（数据范围 {first} ~ {latest}）",
            f"No data for {en} (data covers {first} to {latest})",
        )
    return Period(max(start, first), min(end, latest), zh, en)
