"""Small fact models shared by the planning results: reason and risk codes with their numbers, estimates."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Fact(BaseModel):
    """A language-neutral fact: a code (see :mod:`core.planning.labels`) and the numbers behind it."""

    code: str
    value: float | None = None
    threshold: float | None = None
    detail: dict[str, str | float | int | None] = Field(default_factory=dict)


class Estimate(BaseModel):
    """A point estimate with an interval (``level`` = its nominal coverage)."""

    point: float
    lower: float
    upper: float
    level: float = 0.8

    @property
    def width(self) -> float:
        return self.upper - self.lower


def rounded(value: float | None, digits: int = 4) -> float | None:
    """Round for display; ``None`` and NaN stay as they are (NaN becomes ``None``)."""
    if value is None or value != value:
        return None
    return round(float(value), digits)
