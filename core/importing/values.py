"""Parsers for one cell, and the reasons they give when a cell is wrong.

Every parser takes the raw cell (a string, already stripped, or ``None``) and returns the canonical value
or raises ``ValueError`` whose message is the reason shown to the user. The column-wise metrics checks
use the same reason functions so that both paths speak alike.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

EMPTY_CELL = "empty cell (a value is required)"
MUST_BE_NON_NEGATIVE = "must be ≥ 0"
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")

PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
THOUSANDS_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")

PRICE_SENSITIVITY = {"高": "高", "中": "中", "低": "低", "high": "高", "medium": "中", "low": "低"}


def quoted(value: object, limit: int = 40) -> str:
    text = str(value)
    return f"'{text if len(text) <= limit else text[: limit - 1] + '…'}'"


def not_a_number(value: object) -> str:
    return f"not a number: {quoted(value)}"


def not_a_whole_number(value: object) -> str:
    return f"must be a whole number: {quoted(value)}"


def not_a_date(value: object) -> str:
    return f"not a date (YYYY-MM-DD): {quoted(value)}"


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def optional(parser: Callable[[object], T]) -> Callable[[object], T | None]:
    """Wrap ``parser`` so that an empty cell gives ``None`` instead of an error."""

    def parse_optional(value: object) -> T | None:
        return None if _cell_text(value) == "" else parser(value)

    return parse_optional


def parse_text(value: object) -> str:
    text = _cell_text(value)
    if not text:
        raise ValueError(EMPTY_CELL)
    return text


def parse_number(value: object) -> float:
    """A finite number; ``1,234`` (thousands separators in groups of three) is accepted."""
    text = parse_text(value)
    if PLAIN_NUMBER.fullmatch(text):
        number = float(text)
    elif THOUSANDS_NUMBER.fullmatch(text):
        number = float(text.replace(",", ""))
    else:
        raise ValueError(not_a_number(text))
    if not math.isfinite(number):
        raise ValueError(not_a_number(text))
    return number


def parse_non_negative(value: object) -> float:
    number = parse_number(value)
    if number < 0:
        raise ValueError(MUST_BE_NON_NEGATIVE)
    return number


def parse_count(value: object) -> int:
    """A whole number ≥ 0 (``1,234`` and ``12.0`` are accepted)."""
    number = parse_non_negative(value)
    if not number.is_integer():
        raise ValueError(not_a_whole_number(_cell_text(value)))
    return int(number)


def parse_fraction(value: object) -> float:
    """A number, or a percentage turned into a fraction: ``12%`` → 0.12, ``0.12`` → 0.12."""
    text = parse_text(value)
    if text.endswith(("%", "％")):
        return parse_number(text[:-1].strip()) / 100
    return parse_number(text)


def parse_share(value: object) -> float:
    """A fraction between 0 and 1 inclusive (``3.2%`` → 0.032)."""
    fraction = parse_fraction(value)
    if not 0 <= fraction <= 1:
        raise ValueError(f"must be between 0 and 1 or a percentage like 32%: {quoted(_cell_text(value))}")
    return fraction


def parse_date(value: object) -> dt.date:
    """``YYYY-MM-DD`` or ``YYYY/MM/DD``."""
    text = parse_text(value)
    for date_format in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ValueError(not_a_date(text))


def parse_price_sensitivity(value: object) -> str:
    """高/中/低, or high/medium/low in any case, normalised to 高/中/低."""
    text = parse_text(value)
    level = PRICE_SENSITIVITY.get(text.lower())
    if level is None:
        raise ValueError(f"must be one of 高/中/低 or high/medium/low: {quoted(text)}")
    return level
