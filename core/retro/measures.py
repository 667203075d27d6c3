"""The scope's metrics during vs before, and its daily series for the trend chart.

Both periods have the same length, so comparing period totals equals comparing daily averages; ratio
metrics (边现, conversion) are ratios of the period sums, never averages of daily ratios.
"""

from __future__ import annotations

import math

import pandas as pd

from core.cube import DATE, MEASURES, daily_totals, metric_values
from core.retro.models import DailyPoint, MetricComparison
from core.retro.scope import BEFORE, DURING

COMPARED_METRICS: tuple[str, ...] = ("arpu", "revenue", "dau", "conversion", "new_members", "renew_members")


def compare_periods(rows: pd.DataFrame) -> list[MetricComparison]:
    """Each metric of :data:`COMPARED_METRICS` over the pre-period and the period (rows carry ``phase``)."""
    sums = rows.groupby("phase")[list(MEASURES)].sum().reindex([BEFORE, DURING], fill_value=0.0)
    comparisons = []
    for metric in COMPARED_METRICS:
        before = float(metric_values(sums.loc[BEFORE], metric))
        during = float(metric_values(sums.loc[DURING], metric))
        lift = during / before - 1 if before and not math.isnan(before) and not math.isnan(during) else None
        comparisons.append(
            MetricComparison(metric=metric, before=before, during=during, change=during - before, lift=lift)
        )
    return comparisons


def daily_series(rows: pd.DataFrame) -> list[DailyPoint]:
    """One point per day of both periods (totals of the scope)."""
    totals = daily_totals(rows, by=("phase",))
    return [
        DailyPoint(
            date=day.date(),
            phase=phase,
            dau=float(dau),
            revenue=float(revenue),
            arpu=None if math.isnan(arpu) else float(arpu),
            conversion=None if math.isnan(conversion) else float(conversion),
        )
        for day, phase, dau, revenue, arpu, conversion in zip(
            totals[DATE],
            totals["phase"],
            totals["dau"],
            totals["revenue"],
            totals["arpu"],
            totals["conversion"],
            strict=True,
        )
    ]
