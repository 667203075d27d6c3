"""The daily metric cube: its measures, its (data-defined) dimensions and the derived metrics.

A cube frame is a long pandas frame with one row per day per leaf:

* ``date`` – a ``datetime64[ns]`` column normalised to midnight (no time zone);
* any number of dimension columns (strings) – whatever the imported file has besides ``date`` and the
  measures, so that a team with other dimensions needs no code change;
* the additive measures ``dau``, ``revenue``, ``new_members`` and ``renew_members`` (floats).

Derived metrics are ratios of sums and must always be computed *after* aggregating the measures:
``arpu`` (边现) = revenue / dau and ``conversion`` = (new_members + renew_members) / dau.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

DATE = "date"
MEASURES: tuple[str, ...] = ("dau", "revenue", "new_members", "renew_members")


@dataclass(frozen=True)
class MetricDef:
    """A metric: either a measure or a ratio of two (sums of) measures."""

    name: str
    zh: str
    en: str
    numerator: tuple[str, ...]
    denominator: tuple[str, ...] = ()
    unit: str = ""

    @property
    def is_ratio(self) -> bool:
        return bool(self.denominator)

    def label(self, language: str = "zh") -> str:
        return self.zh if language == "zh" else self.en


METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in (
        MetricDef("dau", "DAU", "DAU", ("dau",)),
        MetricDef("revenue", "收入", "Revenue", ("revenue",), unit="元"),
        MetricDef("arpu", "边现", "ARPU (边现)", ("revenue",), ("dau",), unit="元"),
        MetricDef("conversion", "转化率", "Conversion", ("new_members", "renew_members"), ("dau",), unit="%"),
        MetricDef("new_members", "新增会员", "New members", ("new_members",)),
        MetricDef("renew_members", "续费会员", "Renewed members", ("renew_members",)),
    )
}

METRIC_ALIASES: dict[str, str] = {
    "边现": "arpu",
    "arpu": "arpu",
    "dau": "dau",
    "日活": "dau",
    "收入": "revenue",
    "营收": "revenue",
    "revenue": "revenue",
    "转化": "conversion",
    "转化率": "conversion",
    "conversion": "conversion",
    "cvr": "conversion",
    "新增": "new_members",
    "新增会员": "new_members",
    "new": "new_members",
    "续费": "renew_members",
    "续费会员": "renew_members",
    "renew": "renew_members",
}


def dimension_columns(frame: pd.DataFrame) -> list[str]:
    """The cube's dimensions: every column that is neither ``date`` nor a measure, in file order."""
    return [c for c in frame.columns if c != DATE and c not in MEASURES]


def metric_values(sums: pd.DataFrame | pd.Series, metric: str) -> pd.Series | float:
    """Compute ``metric`` from already aggregated measure sums (a frame of sums, or one row of them).

    A zero denominator gives NaN, never an exception or an infinity.
    """
    definition = METRICS[metric]
    numerator = sum(sums[c] for c in definition.numerator)
    if not definition.is_ratio:
        return numerator
    denominator = sum(sums[c] for c in definition.denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(denominator, pd.Series):
            return numerator / denominator.where(denominator != 0)
        return float(numerator) / float(denominator) if denominator else float("nan")


def daily_totals(frame: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Sum the measures per day (and per ``by`` dimensions), then add every derived metric as a column."""
    keys = [DATE, *by]
    sums = frame.groupby(keys, observed=True, sort=True)[list(MEASURES)].sum().reset_index()
    for name, definition in METRICS.items():
        if definition.is_ratio:
            sums[name] = metric_values(sums, name)
    return sums


def normalise_cube(frame: pd.DataFrame, dimensions: Iterable[str] | None = None) -> pd.DataFrame:
    """Return a copy with the canonical dtypes: normalised dates, string dimensions, float measures."""
    out = frame.copy()
    out[DATE] = pd.to_datetime(out[DATE]).dt.normalize()
    for column in dimensions if dimensions is not None else dimension_columns(out):
        out[column] = out[column].astype(str)
    for measure in MEASURES:
        out[measure] = pd.to_numeric(out[measure], errors="coerce").astype(float)
    return out
