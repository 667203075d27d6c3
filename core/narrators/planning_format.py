"""How the planning cards and narrators write numbers, so that every figure can be found in the facts.

One rule per kind of value, shared by ``/goal``, ``/strategy`` and ``/budget`` and their offline narrators:
lifts and shares as percentages with one decimal (``+12.3%``), conversion with two (``1.03%``), money and
counts with thousands separators and no decimals (``1,234,567``), 边现 with four decimals (``0.4321 元``),
ARPPU with two, ROI and indexes with two. The number guard accepts a figure when the fact rounded to the
shown precision is that figure, so these rules always ground.
"""

from __future__ import annotations

import math

MONEY_UNIT = "元"
STARS = 5


def _missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def pct(value: float | None, *, signed: bool = True, digits: int = 1) -> str:
    """A fraction as a percentage: ``+12.3%`` (signed) or ``12.3%``; ``—`` when unknown."""
    if _missing(value):
        return "—"
    return f"{value:+.{digits}%}" if signed else f"{value:.{digits}%}"


def count(value: float | None) -> str:
    return "—" if _missing(value) else f"{value:,.0f}"


def money(value: float | None) -> str:
    return "—" if _missing(value) else f"{value:,.0f} {MONEY_UNIT}"


def ratio(value: float | None, digits: int = 2) -> str:
    return "—" if _missing(value) else f"{value:.{digits}f}"


def metric_value(metric: str, value: float | None) -> str:
    """A value of a cube metric (or ``arppu``) in its usual form."""
    if _missing(value):
        return "—"
    if metric == "arpu":
        return f"{value:.4f} {MONEY_UNIT}"
    if metric == "arppu":
        return f"{value:.2f} {MONEY_UNIT}"
    if metric == "conversion":
        return pct(value, signed=False, digits=2)
    if metric == "revenue":
        return money(value)
    return count(value)


def interval(lower: float | None, upper: float | None, fmt: str = "pct") -> str:
    """``+1.2% ~ +20.4%`` (lifts) or ``1.68 ~ 4.92`` (ratios)."""
    if fmt == "pct":
        return f"{pct(lower)} ~ {pct(upper)}"
    return f"{ratio(lower)} ~ {ratio(upper)}"


def stars(level: int) -> str:
    """``★★★☆☆ 3/5`` for a difficulty level 1–5."""
    level = max(0, min(STARS, int(level)))
    return "★" * level + "☆" * (STARS - level) + f" {level}/{STARS}"
