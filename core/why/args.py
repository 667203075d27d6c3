"""Parsing ``/why`` arguments: a period, a metric and dimension values, in free Chinese or English.

The text is not tokenised (``为什么这周边现下降了`` has no spaces): every phrase we know — period words,
metric aliases (``core.cube.METRIC_ALIASES`` and the metric labels), the cube's dimension values and
``dim=value`` pairs — is matched longest first and cut out, so a value containing a shorter phrase wins
over it. ASCII phrases match on word boundaries only (``tv`` is not inside ``tvb``). What is left must be
filler (为什么, 下降了, why, did, …) or punctuation; anything else is reported back to the user as not
recognised, with the metrics and a few values that would work.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.cube import METRIC_ALIASES, METRICS
from core.why.models import WhyPeriod
from core.why.periods import MAX_RANGE_DAYS, day_period, last_week, range_period, rolling_week, this_week

DEFAULT_METRIC = "arpu"

_FULL_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?!\d)")
_DATE_TEXT = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?"
_RANGE = re.compile(rf"(?<!\d)({_DATE_TEXT})\s*(?:~|～|至|到|\.\.)\s*({_DATE_TEXT})(?!\d)")
_MONTH_DAY = re.compile(r"(?<![\d.])(\d{1,2})月(\d{1,2})[日号]")
_PAIR = re.compile(r"([^\s=＝,，]+)\s*[=＝]\s*([^\s,，]+)")

_DAY_WORDS: dict[str, int] = {"今天": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}
_WEEK_WORDS: dict[str, str] = {
    "本周": "this", "这周": "this", "这一周": "this", "本星期": "this", "这星期": "this", "this week": "this",
    "上周": "last", "上一周": "last", "上星期": "last", "last week": "last",
    "近7天": "rolling", "最近7天": "rolling", "近一周": "rolling", "最近一周": "rolling",
    "past week": "rolling", "last 7 days": "rolling", "past 7 days": "rolling",
}  # fmt: skip
_FILLERS: tuple[str, ...] = (
    "为什么", "为啥", "怎么", "什么", "原因", "解释", "分析", "一下", "帮我", "看看", "请", "会", "这么", "那么",
    "下降", "下跌", "降低", "减少", "变少", "下滑", "上升", "上涨", "增长", "增加", "提升", "变多", "变化", "波动",
    "异常", "突然", "大幅", "明显", "了", "的", "呢", "吗", "啊", "呀", "是", "在", "有", "涨", "跌", "降", "升",
    "掉", "这么多", "那么多", "多", "少", "变低", "变高", "走低", "走高", "回事", "呢",
    "why", "did", "does", "do", "is", "was", "the", "my", "our", "drop", "dropped", "fall", "fell", "rise",
    "rose", "go", "went", "down", "up", "change", "changed", "explain", "what", "happened", "to", "on", "in",
    "for", "of", "and", "so", "much", "how", "come",
)  # fmt: skip
_PUNCTUATION = re.compile(r"[\s?？!！,，.。:：;；、~～\"'“”‘’()（）\[\]【】/]+")
_ASCII_WORD = re.compile(r"^[A-Za-z0-9 _.+-]+$")


class WhyParseError(ValueError):
    """Arguments that cannot be used; carries both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class WhyRequest:
    metric: str
    period: WhyPeriod
    scope: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Found:
    kind: str  # "day" | "week" | "metric" | "value"
    payload: object


def parse_why_args(
    text: str,
    *,
    dimension_values: Mapping[str, Sequence[str]],
    first_day: dt.date,
    latest_day: dt.date,
    reference_day: dt.date,
) -> WhyRequest:
    """Resolve ``/why`` arguments against the cube's dimension values and data range."""
    rest = " " + text.strip() + " "
    found: list[_Found] = []
    rest = _cut_dates(rest, found, latest_day)
    rest = _cut_pairs(rest, found, dimension_values)
    for phrase, item in _phrases(dimension_values):
        rest = _cut_phrase(rest, phrase, item, found)
    _check_leftover(rest, dimension_values)

    metric = _single(found, "metric", DEFAULT_METRIC, "只能指定一个指标", "Name one metric only")
    scope = _scope(found)
    period = _period(found, first_day, latest_day, reference_day)
    return WhyRequest(metric=str(metric), period=period, scope=scope)


def _phrases(dimension_values: Mapping[str, Sequence[str]]) -> list[tuple[str, _Found]]:
    phrases: dict[str, _Found] = {}
    for word, back in _DAY_WORDS.items():
        phrases[word] = _Found("day", back)
    for word, which in _WEEK_WORDS.items():
        phrases[word] = _Found("week", which)
    for alias, metric in METRIC_ALIASES.items():
        phrases[alias.lower()] = _Found("metric", metric)
    for metric, definition in METRICS.items():
        phrases.setdefault(definition.zh.lower(), _Found("metric", metric))
        phrases.setdefault(metric.lower(), _Found("metric", metric))
    for dimension, values in dimension_values.items():
        for value in values:
            phrases.setdefault(str(value).lower(), _Found("value", (dimension, str(value))))
    return sorted(phrases.items(), key=lambda item: -len(item[0]))


def _cut_phrase(rest: str, phrase: str, item: _Found, found: list[_Found]) -> str:
    if not phrase:
        return rest
    escaped = re.escape(phrase)
    pattern = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])" if _ASCII_WORD.match(phrase) else escaped
    regex = re.compile(pattern, re.IGNORECASE)
    if regex.search(rest) is None:
        return rest
    found.append(item)
    return regex.sub(" ", rest)


def _cut_dates(rest: str, found: list[_Found], latest_day: dt.date) -> str:
    def full(match: re.Match[str]) -> str:
        found.append(_Found("date", _date(int(match[1]), int(match[2]), int(match[3]), match[0])))
        return " "

    def month_day(match: re.Match[str]) -> str:
        year = latest_day.year
        day = _date(year, int(match[1]), int(match[2]), match[0])
        if day > latest_day:
            day = _date(year - 1, int(match[1]), int(match[2]), match[0])
        found.append(_Found("date", day))
        return " "

    def span(match: re.Match[str]) -> str:
        start, end = (_date_of(_FULL_DATE.fullmatch(match[i].strip())) for i in (1, 2))
        found.append(_Found("range", (start, end)))
        return " "

    rest = _RANGE.sub(span, rest)
    return _MONTH_DAY.sub(month_day, _FULL_DATE.sub(full, rest))


def _date_of(match: re.Match[str] | None) -> dt.date:
    assert match is not None  # _RANGE's parts are _FULL_DATE's
    return _date(int(match[1]), int(match[2]), int(match[3]), match[0])


def _date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise WhyParseError(
            f"「{text.strip()}」不是有效日期，请用 YYYY-MM-DD，例如 2026-11-23",
            f"'{text.strip()}' is not a valid date; use YYYY-MM-DD, e.g. 2026-11-23",
        ) from error


def _cut_pairs(rest: str, found: list[_Found], dimension_values: Mapping[str, Sequence[str]]) -> str:
    def pair(match: re.Match[str]) -> str:
        dimension, value = match[1], match[2]
        name = next((d for d in dimension_values if d.lower() == dimension.lower()), None)
        if name is None:
            raise WhyParseError(
                f"没有维度「{dimension}」；可用维度：{', '.join(dimension_values)}",
                f"There is no dimension '{dimension}'; dimensions: {', '.join(dimension_values)}",
            )
        actual = next((str(v) for v in dimension_values[name] if str(v).lower() == value.lower()), None)
        if actual is None:
            raise WhyParseError(
                f"维度 {name} 没有取值「{value}」；可选：{_examples(dimension_values[name])}",
                f"Dimension {name} has no value '{value}'; values: {_examples(dimension_values[name])}",
            )
        found.append(_Found("value", (name, actual)))
        return " "

    return _PAIR.sub(pair, rest)


def _check_leftover(rest: str, dimension_values: Mapping[str, Sequence[str]]) -> None:
    leftover = _PUNCTUATION.sub(" ", rest)
    for filler in sorted(_FILLERS, key=len, reverse=True):
        pattern = rf"(?<![A-Za-z]){filler}(?![A-Za-z])" if filler.isascii() else re.escape(filler)
        leftover = re.sub(pattern, " ", leftover, flags=re.IGNORECASE)
    leftover = " ".join(leftover.split())
    if not leftover:
        return
    metrics = "、".join(definition.zh for definition in METRICS.values())
    values = "; ".join(f"{d}: {_examples(v)}" for d, v in dimension_values.items())
    raise WhyParseError(
        f"没认出「{leftover}」。可以写日期（2026-11-23、昨天、本周、上周）、指标（{metrics}）和维度取值（{values}）",
        f"Could not understand '{leftover}'. Use a date (2026-11-23, yesterday, this week, last week), "
        f"a metric ({', '.join(METRICS)}) and dimension values ({values})",
    )


def _examples(values: Sequence[str], limit: int = 5) -> str:
    shown = [str(v) for v in list(values)[:limit]]
    return ", ".join(shown) + (" …" if len(values) > limit else "")


def _single(found: list[_Found], kind: str, default: object, zh: str, en: str) -> object:
    payloads = {repr(f.payload): f.payload for f in found if f.kind == kind}
    if len(payloads) > 1:
        raise WhyParseError(zh, en)
    return next(iter(payloads.values()), default)


def _scope(found: list[_Found]) -> dict[str, str]:
    scope: dict[str, str] = {}
    for item in found:
        if item.kind != "value":
            continue
        dimension, value = item.payload  # type: ignore[misc]
        if scope.get(dimension, value) != value:
            raise WhyParseError(
                f"维度 {dimension} 只能取一个值（{scope[dimension]} 还是 {value}？）",
                f"Pick one value of {dimension} ({scope[dimension]} or {value}?)",
            )
        scope[dimension] = value
    return scope


def _period(
    found: list[_Found], first_day: dt.date, latest_day: dt.date, reference_day: dt.date
) -> WhyPeriod:
    periods = [f for f in found if f.kind in ("date", "range", "day", "week")]
    if len({(f.kind, repr(f.payload)) for f in periods}) > 1:
        raise WhyParseError("只能指定一个日期或一周", "Give one date or one week only")
    if not periods:
        period = day_period(latest_day)
    elif periods[0].kind == "date":
        period = day_period(periods[0].payload)  # type: ignore[arg-type]
    elif periods[0].kind == "range":
        period = _range(*periods[0].payload)  # type: ignore[misc]
    elif periods[0].kind == "day":
        period = day_period(reference_day - dt.timedelta(days=int(periods[0].payload)))  # type: ignore[call-overload]
    else:
        period = _week(str(periods[0].payload), reference_day, latest_day)
    return _checked(period, first_day, latest_day)


def _range(start: dt.date, end: dt.date) -> WhyPeriod:
    if end < start:
        start, end = end, start
    try:
        return range_period(start, end)
    except ValueError as error:
        raise WhyParseError(
            f"日期范围最多 {MAX_RANGE_DAYS} 天（{start} ~ {end}）",
            f"A date range spans at most {MAX_RANGE_DAYS} days ({start} to {end})",
        ) from error


def _week(which: str, reference_day: dt.date, latest_day: dt.date) -> WhyPeriod:
    if which == "this":
        return this_week(min(latest_day, reference_day - dt.timedelta(days=1)))
    if which == "rolling":
        return rolling_week(latest_day)
    try:
        return last_week(reference_day, latest_day)
    except ValueError as error:
        raise WhyParseError("上周还没有数据", "There is no data for last week yet") from error


def _checked(period: WhyPeriod, first_day: dt.date, latest_day: dt.date) -> WhyPeriod:
    if period.start > latest_day or period.end < first_day:
        raise WhyParseError(
            f"{period.start} 没有数据（数据范围 {first_day} ~ {latest_day}）",
            f"No data for {period.start} (data covers {first_day} to {latest_day})",
        )
    if period.end > latest_day:
        raise WhyParseError(
            f"数据截至 {latest_day}，{period.end} 还没有数据",
            f"The data ends on {latest_day}; there is no data for {period.end} yet",
        )
    if period.baseline_start < first_day:
        raise WhyParseError(
            f"{period.start} 缺少可比的基线：需要一周前（{period.baseline_start}）的数据，数据从 {first_day} 开始",
            f"{period.start} has no comparable baseline: it needs data from {period.baseline_start}, "
            f"the data starts on {first_day}",
        )
    return period
