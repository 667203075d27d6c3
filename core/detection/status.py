"""Is there enough clean data to score a date? A clear status with a reason, never a silent pass."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.cube import MEASURES
from core.detection.calendar_effects import HOLIDAY, CalendarDays
from core.detection.config import DetectionConfig
from core.detection.engine import GridScores
from core.detection.series import SeriesGrid

WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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


def unlearnt_weekday(
    grid: SeriesGrid, days: CalendarDays, scores: GridScores, day: dt.date, language: str = "zh"
) -> str | None:
    """Why an ordinary ``day`` cannot be scored yet: no earlier ordinary day of its weekday has entered
    the weekday profile (the first weeks of a cube, or the first weeks after a long break: a Saturday
    then has no weekend effect, and a weekend reads as a +15 % surge), else None."""
    column = column_of(grid, day)
    weekday = int(days.category[column]) if column is not None else HOLIDAY
    if weekday >= HOLIDAY:  # a special day: its effect borrows from its parent (see calendar_effects)
        return None
    row = grid.row("dau", 0) if "dau" in grid.metrics else 0
    if scores.calendar_support[row, column] > 0:
        return None
    if language == "zh":
        return f"{WEEKDAYS_ZH[weekday]}的周内效应还没有可用的历史样本（数据开始或长假之后的头几周），暂不判断"
    return f"No earlier ordinary {WEEKDAYS_EN[weekday]} to learn its weekday effect from yet (the first weeks of the data or after a long break)"
