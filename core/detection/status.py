"""Is there enough clean data to score a date? A clear status with a reason, never a silent pass."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.cube import MEASURES
from core.detection.calendar_effects import HOLIDAY, CalendarDays
from core.detection.config import DetectionConfig
from core.detection.series import SeriesGrid


def column_of(grid: SeriesGrid, day: dt.date) -> int | None:
    position = grid.dates.get_indexer([pd.Timestamp(day)])[0]
    return None if position < 0 else int(position)


def insufficiency(
    grid: SeriesGrid, days: CalendarDays, day: dt.date, config: DetectionConfig, language: str = "zh"
) -> str | None:
    """Why ``day`` cannot be scored (a zh/en sentence), or None when the total has enough clean data."""
    zh = language == "zh"
    column = column_of(grid, day)
    if column is None or not grid.present[column]:
        return f"{day} 没有数据" if zh else f"No data for {day}"
    broken = [m for m in MEASURES if np.isnan(grid.measures[m][0, column])]
    if broken:
        names = ", ".join(broken)
        return f"{day} 的 {names} 含缺失值 (NaN)" if zh else f"{names} on {day} contain missing values (NaN)"
    if grid.measures["dau"][0, column] <= 0:
        return (
            f"{day} 的 DAU 为 0，无法计算边现和转化率"
            if zh
            else f"DAU is 0 on {day}: ARPU and conversion undefined"
        )
    dau_before = grid.measures["dau"][0, :column]
    history = int(np.count_nonzero(dau_before > 0))
    if history < config.min_history_days:
        return (
            f"历史数据只有 {history} 天，至少需要 {config.min_history_days} 天"
            if zh
            else f"Only {history} days of history; at least {config.min_history_days} are needed"
        )
    comparable = np.flatnonzero(days.category[:column] != HOLIDAY)[-config.baseline_window :]
    valid = int(np.count_nonzero(dau_before[comparable] > 0))
    if valid < config.baseline_min_values:
        missing = [str(grid.dates[c].date()) for c in comparable if not dau_before[c] > 0]
        listed = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
        return (
            f"基线窗口（最近 {config.baseline_window} 个可比日）只有 {valid} 天有效数据，缺失：{listed}"
            if zh
            else f"Only {valid} valid days in the {config.baseline_window}-day baseline window; missing: {listed}"
        )
    return None
