"""A metric broken down by a dimension over a period: the rows ranked, their shares, the daily lines.

Ratios (边现, 转化率) are computed from the period's sums of each value (never averaged over days), and are
compared with the whole scope's ratio (``vs_total``); additive measures carry their share of the scope's
total. Every number comes from the source's sums (``CubeReader.breakdown``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel, Field

from core.cube import DATE, MEASURES, METRICS, metric_values

SHOWN = ("dau", "revenue", "arpu", "conversion")
DAILY_LINES = 5  # the chart of a period draws the first rows' daily values


class BreakdownRow(BaseModel):
    value: str
    metrics: dict[str, float | None]  # every metric of the value over the period
    share: float | None = Field(None, description="Of the scope's total (additive metrics).")
    vs_total: float | None = Field(None, description="Relative to the scope's ratio (ratio metrics).")


class DailyLine(BaseModel):
    value: str
    dates: list[dt.date]
    values: list[float | None]


class Breakdown(BaseModel):
    metric: str
    by: str | None
    start: dt.date
    end: dt.date
    scope: dict[str, str]
    order: str
    rows: list[BreakdownRow]  # ranked by the metric; empty without a dimension
    total: BreakdownRow
    lines: list[DailyLine]  # daily values of the first rows (or of the total)


def breakdown(
    sums: pd.DataFrame,
    *,
    metric: str,
    by: str | None,
    start: dt.date,
    end: dt.date,
    scope: dict[str, str],
    order: str = "desc",
) -> Breakdown:
    """``sums``: measure sums per ``date`` and ``value`` (one value, ``""``, for a total)."""
    total = _row("", sums[list(MEASURES)].sum(), metric, None)
    rows: list[BreakdownRow] = []
    if by is not None and not sums.empty:
        per_value = sums.groupby("value", observed=True)[list(MEASURES)].sum()
        rows = [_row(str(value), row, metric, total) for value, row in per_value.iterrows()]
        rows.sort(key=lambda r: _key(r.metrics.get(metric), order))
    lines = _lines(sums, metric, [r.value for r in rows[:DAILY_LINES]] if rows else None, start, end)
    return Breakdown(
        metric=metric,
        by=by,
        start=start,
        end=end,
        scope=scope,
        order=order,
        rows=rows,
        total=total,
        lines=lines,
    )


def _row(value: str, sums: pd.Series, metric: str, total: BreakdownRow | None) -> BreakdownRow:
    metrics = {name: _plain(metric_values(sums, name)) for name in METRICS}
    row = BreakdownRow(value=value, metrics=metrics)
    if total is None:
        return row
    mine, whole = metrics.get(metric), total.metrics.get(metric)
    if mine is not None and whole:
        if METRICS[metric].is_ratio:
            row.vs_total = mine / whole - 1
        else:
            row.share = mine / whole
    return row


def _key(value: float | None, order: str) -> tuple[int, float]:
    if value is None:
        return (1, 0.0)  # values without the metric last, whatever the order
    return (0, -value if order == "desc" else value)


def _lines(
    sums: pd.DataFrame, metric: str, values: list[str] | None, start: dt.date, end: dt.date
) -> list[DailyLine]:
    dates = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    groups = [("", sums)] if values is None else [(v, sums[sums["value"] == v]) for v in values]
    lines = []
    for value, rows in groups:
        daily = rows.groupby(DATE)[list(MEASURES)].sum().reindex(dates)
        series = metric_values(daily, metric)
        lines.append(
            DailyLine(value=value, dates=[d.date() for d in dates], values=[_plain(v) for v in series])
        )
    return lines


def _plain(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if pd.isna(number) else number
