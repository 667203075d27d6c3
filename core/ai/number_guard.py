"""The number guard: every number the model writes must come from the facts.

The model is asked to explain and recommend, never to compute, so any figure in its text must be a figure of
the facts, possibly re-expressed.  The exact rule, applied to every string field of the model's answer:

1. **Normalising.**  Full-width digits, ``％`` and ``．`` become ASCII.  Signs are ignored (prose says the
   direction in words: 下降 / fell), so ``-12%`` and ``12%`` are the same figure.
2. **Dates first.**  ``2024-05-01`` / ``2024/5/1`` / ``2024年5月1日``, ``5月1日``, ``2024年5月``, ``2024年`` and
   ``5月`` are dates: grounded when the facts hold a date with the same (year, month, day), (month, day),
   (year, month), year or month respectively (a bare year is also grounded by the same number in the facts).
   Facts dates are ISO strings (how pydantic dumps ``date``) or any of the above inside fact strings.
3. **Numbers.**  ``12``, ``1.23``, ``1,234,567.8`` (thousands separators), ``百分之十二点五`` / ``百分之12``,
   each with an optional unit: ``%`` / ``个百分点`` / ``pp`` (×0.01), ``‰`` (×0.001), ``bps`` (×0.0001),
   ``千`` / ``k`` (×10³), ``万`` (×10⁴), ``百万`` / ``M`` / ``million`` (×10⁶), ``千万`` (×10⁷), ``亿`` (×10⁸),
   ``billion`` / ``bn`` (×10⁹), ``万亿`` (×10¹²).  ``元`` and other words are not scales.
4. **Matching.**  A number written with *d* decimals, value *t* and unit scale *s* is grounded when some fact
   number *f* satisfies ``| |f| / s' - t | <= 0.5·10⁻ᵈ`` for *s'* in {*s*, 1}: i.e. *f* rounded to the shown
   precision in the shown unit is *t* (1.23 matches 1.2345; 1.2万 matches 11 960; 12% matches 0.1234, and
   also a fact already stored in percent, 12.3).  A bare decimal ≤ 1 also tries *s'* = 100 (0.12 matches a
   fact stored as 12 %).  Fact numbers are every int/float in the facts plus every number (with its unit
   applied and also without it) written inside fact strings and keys, so a label copied from the facts
   (“618大促”, “4K”) is always grounded.
5. **Exemptions.**  A bare integer 1–10 (no decimals, no separators, no unit) is allowed anywhere: ordinals,
   list markers, “3 条建议”.  Digits glued to a preceding ASCII letter are identifiers, not quantities, and are
   not checked (``Q3``, ``H5``, ``iOS17``, a Slack id ``U123``).  Nothing else is exempt; English month names
   are not parsed as dates.

A text with any other number is ungrounded: the engine falls back with reason ``ungrounded_number:<token>``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import BaseModel

_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "％": "%", "．": "."})

_DATE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<!\d)(?P<y>\d{4})(?:[-/.]|年)(?P<m>\d{1,2})(?:[-/.]|月)(?P<d>\d{1,2})[日号]?(?!\d)"),
    re.compile(r"(?<!\d)(?P<y>\d{4})年(?P<m>\d{1,2})月"),
    re.compile(r"(?<![\d.])(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]"),
    re.compile(r"(?<!\d)(?P<y>\d{4})年"),
    re.compile(r"(?<![\d.])(?P<m>\d{1,2})月"),
)
_CHINESE_PERCENT = re.compile(
    r"百分之(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+(?:点[零〇一二两三四五六七八九]+)?)"
)
_NUMBER = re.compile(
    r"(?<![\d.A-Za-z])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<unit>万亿|千万|百万|亿|万|千|个百分点|百分点|%|‰|bps|pp|million|billion|bn|[kKM])(?![A-Za-z]))?"
)
_UNIT_SCALES: dict[str, float] = {
    "%": 1e-2,
    "个百分点": 1e-2,
    "百分点": 1e-2,
    "pp": 1e-2,
    "‰": 1e-3,
    "bps": 1e-4,
    "千": 1e3,
    "k": 1e3,
    "K": 1e3,
    "万": 1e4,
    "百万": 1e6,
    "M": 1e6,
    "million": 1e6,
    "千万": 1e7,
    "亿": 1e8,
    "billion": 1e9,
    "bn": 1e9,
    "万亿": 1e12,
}
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ORDINAL_MAX = 10


@dataclass(frozen=True)
class NumberToken:
    """A number as written: its absolute value, shown decimals, unit scale (1 when none) and source text."""

    text: str
    value: float
    decimals: int
    scale: float
    bare_integer: bool


@dataclass(frozen=True)
class DateToken:
    text: str
    year: int | None
    month: int | None
    day: int | None


@dataclass
class FactNumbers:
    """Everything the facts allow the model to say: their numbers and their dates."""

    values: np.ndarray
    dates: set[tuple[int, int, int]] = field(default_factory=set)
    year_months: set[tuple[int, int]] = field(default_factory=set)
    month_days: set[tuple[int, int]] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    months: set[int] = field(default_factory=set)

    @classmethod
    def from_facts(cls, facts: BaseModel | Any) -> FactNumbers:
        data = facts.model_dump(mode="json") if isinstance(facts, BaseModel) else facts
        numbers: list[float] = []
        date_tokens: list[DateToken] = []
        for item in _walk(data):
            if isinstance(item, str):
                dates, tokens = tokenise(item)
                date_tokens.extend(dates)
                for token in tokens:
                    numbers.extend((token.value, token.value * token.scale))
            else:
                numbers.append(abs(float(item)))
        found = cls(values=np.asarray(numbers, dtype=float))
        for token in date_tokens:
            found._add_date(token)
        return found

    def _add_date(self, token: DateToken) -> None:
        y, m, d = token.year, token.month, token.day
        if y is not None:
            self.years.add(y)
        if m is not None:
            self.months.add(m)
        if y is not None and m is not None:
            self.year_months.add((y, m))
        if m is not None and d is not None:
            self.month_days.add((m, d))
        if y is not None and m is not None and d is not None:
            self.dates.add((y, m, d))

    def grounds_number(self, token: NumberToken) -> bool:
        if token.bare_integer and 1 <= token.value <= _ORDINAL_MAX:
            return True
        if self.values.size == 0:
            return False
        tolerance = 0.5 * 10.0 ** (-token.decimals) + 1e-9 * max(1.0, token.value)
        scales = {token.scale, 1.0}
        if token.scale == 1.0 and token.decimals > 0 and token.value <= 1.0:
            scales.add(100.0)
        return any(bool(np.any(np.abs(self.values / s - token.value) <= tolerance)) for s in scales)

    def grounds_date(self, token: DateToken) -> bool:
        y, m, d = token.year, token.month, token.day
        if y is not None and m is not None and d is not None:
            return (y, m, d) in self.dates
        if y is not None and m is not None:
            return (y, m) in self.year_months
        if m is not None and d is not None:
            return (m, d) in self.month_days
        if y is not None:
            return y in self.years or bool(np.any(self.values == y))
        return m in self.months

    def ungrounded(self, text: str) -> list[str]:
        """The tokens of ``text`` that the facts do not ground, in order of appearance."""
        dates, numbers = tokenise(text)
        bad = [t.text for t in dates if not self.grounds_date(t)]
        return bad + [t.text for t in numbers if not self.grounds_number(t)]


def find_ungrounded_numbers(texts: Iterable[str], facts: BaseModel | Any) -> list[str]:
    """Every ungrounded number/date token in ``texts`` (see the module docstring for the rule)."""
    allowed = FactNumbers.from_facts(facts)
    return [token for text in texts for token in allowed.ungrounded(text)]


def text_fields(value: BaseModel) -> list[str]:
    """All string values of a model (nested models, lists and dicts included)."""
    return [item for item in _walk(value.model_dump(mode="json"), keys=False) if isinstance(item, str)]


def tokenise(text: str) -> tuple[list[DateToken], list[NumberToken]]:
    """Split ``text`` into date tokens and number tokens; each character belongs to at most one token."""
    masked = text.translate(_FULL_WIDTH)
    dates: list[DateToken] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(masked):
            groups = match.groupdict()
            dates.append(DateToken(match.group(0), *(_int_or_none(groups.get(k)) for k in ("y", "m", "d"))))
        masked = pattern.sub(_blank, masked)
    numbers: list[NumberToken] = []
    for match in _CHINESE_PERCENT.finditer(masked):
        value, decimals = _parse_number_text(match.group("num"))
        numbers.append(NumberToken(match.group(0), value, decimals, 1e-2, bare_integer=False))
    masked = _CHINESE_PERCENT.sub(_blank, masked)
    for match in _NUMBER.finditer(masked):
        raw, unit = match.group("num"), match.group("unit")
        value, decimals = _parse_number_text(raw)
        bare = unit is None and decimals == 0 and "," not in raw
        numbers.append(
            NumberToken(match.group(0).strip(), value, decimals, _UNIT_SCALES.get(unit or "", 1.0), bare)
        )
    return dates, numbers


def _parse_number_text(raw: str) -> tuple[float, int]:
    """(value, decimals shown) of an Arabic (``1,234.5``) or Chinese (``十二点五``) numeral."""
    if raw[0].isdigit():
        integer, _, fraction = raw.replace(",", "").partition(".")
        return float(f"{integer}.{fraction or 0}"), len(fraction)
    integer, _, fraction = raw.partition("点")
    value = _chinese_integer(integer) + sum(
        _CN_DIGITS[ch] * 10.0 ** -(i + 1) for i, ch in enumerate(fraction)
    )
    return value, len(fraction)


def _chinese_integer(text: str) -> int:
    """十二 → 12, 二十 → 20, 一百 → 100, 三十五 → 35 (up to 百, which is all a percentage needs)."""
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        else:
            total += (current or 1) * (10 if ch == "十" else 100)
            current = 0
    return total + current


def _walk(data: Any, *, keys: bool = True) -> Iterator[str | int | float]:
    """Yield every string and finite number in a JSON-like structure (bools skipped; dict keys if ``keys``)."""
    if isinstance(data, dict):
        for key, item in data.items():
            if keys:
                yield str(key)
            yield from _walk(item, keys=keys)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from _walk(item, keys=keys)
    elif isinstance(data, str) or _is_finite_number(data):
        yield data


def _is_finite_number(data: Any) -> bool:
    return isinstance(data, int | float) and not isinstance(data, bool) and math.isfinite(data)


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text else None


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))
