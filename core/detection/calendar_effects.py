"""Calendar effects: which kind of day each column is, and how much that kind of day lifts each series.

Every day gets one *calendar category*: its weekday (0-6) for an ordinary day, or one of the special
categories below (the first that applies wins). A series' effect for a category is the average of its
log residuals against a weekday-neutral level on earlier days of the same category:

* level: a weekday-neutral local mean of log values around the day (see the passes below);
* residual: ``log value - level``, clipped to +/-1 so one broken day cannot dominate;
* effect(t): mean residual of the category over the ``lookback`` days that end ``half + 1`` days before t
  (the centred level of those days never reaches t); a weekday is seen every week and is estimated
  plainly, a special category is shrunk towards a parent effect with ``prior`` pseudo-days: holiday ->
  the weekend average times ``holiday_factor`` (prior knowledge: a long break lifts more than a weekend),
  调休 working day -> the workday average, day before/after a break -> that weekday (the workday average
  when it is a 调休 Saturday or Sunday). A category seen rarely (a first holiday) therefore borrows from
  its parent instead of being guessed.

Passes: the weekday profile is first learnt from fully ordinary weeks (centred 7-day mean); then, twice,
the level is re-estimated as the mean of weekday-adjusted *ordinary* days within +/-10 days, so a long
break never pulls the level towards itself, and every category's effect is re-estimated – the last time on
residuals Huber-clipped around the previous effects, so that one anomalous day cannot bias its weekday's
effect for the following weeks. All of it is cumulative sums over each category's packed columns: no loop
over series or days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar, DayInfo, DayKind
from core.detection.windows import category_trailing_sum, centred_mean

HOLIDAY, ADJUSTED_WORKDAY, BEFORE_HOLIDAY, AFTER_HOLIDAY = 7, 8, 9, 10
WEEK_HALF_WIDTH = 3
LEVEL_HALF_WIDTH = 10
LEVEL_MIN_DAYS = 7
RESIDUAL_CLIP = 1.0
HUBER_K = 3.0
HUBER_MIN_SUPPORT = 3
MEAN_ABS_TO_SIGMA = 1.2533


@dataclass(frozen=True)
class CalendarDays:
    """The calendar of a run of consecutive days, as arrays aligned with the grid's columns."""

    dates: pd.DatetimeIndex
    category: np.ndarray  # (days,) int: 0-6 weekday, or HOLIDAY / ADJUSTED_WORKDAY / BEFORE / AFTER
    weekday: np.ndarray  # (days,) int
    provisional: np.ndarray  # (days,) bool


def calendar_days(dates: pd.DatetimeIndex, calendar: ChineseCalendar) -> CalendarDays:
    infos = [calendar.info(day.date()) for day in dates]
    weekday = np.array([day.weekday() for day in dates], dtype=np.int64)
    category = np.array([_category(info) for info in infos], dtype=np.int64)
    provisional = np.array([info.provisional for info in infos], dtype=bool)
    return CalendarDays(dates=dates, category=category, weekday=weekday, provisional=provisional)


def _category(info: DayInfo) -> int:
    if info.kind == DayKind.HOLIDAY:
        return HOLIDAY
    if info.before_holiday:
        return BEFORE_HOLIDAY
    if info.after_holiday:
        return AFTER_HOLIDAY
    if info.kind == DayKind.ADJUSTED_WORKDAY:
        return ADJUSTED_WORKDAY
    return info.date.weekday()


def calendar_effects(
    log_values: np.ndarray, days: CalendarDays, lookback: int, prior: float, holiday_factor: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per series and day: the additive log effect of the day's calendar category (as known before it),
    and its *support* – how many earlier days of that category it was estimated from."""
    ordinary = days.category < 7
    # pass 1: weekday profile from fully ordinary weeks (a centred 7-day mean has every weekday once)
    level = centred_mean(np.where(ordinary, log_values, np.nan), WEEK_HALF_WIDTH, min_count=7)
    effects = _effects_as_of(log_values - level, days, lookback, prior, holiday_factor, WEEK_HALF_WIDTH + 1)
    # pass 2: level = mean of weekday-adjusted ordinary days in a wider window, robust to long breaks
    adjusted = np.where(ordinary, log_values - effects, np.nan)
    level = centred_mean(adjusted, LEVEL_HALF_WIDTH, min_count=LEVEL_MIN_DAYS)
    residuals = log_values - level
    effects = _effects_as_of(residuals, days, lookback, prior, holiday_factor, LEVEL_HALF_WIDTH + 1)
    support = _support(residuals, days, lookback, LEVEL_HALF_WIDTH + 1)
    # pass 3: the same, on residuals Huber-clipped around the pass-2 effects (ordinary days only)
    adjusted = np.where(ordinary, log_values - effects, np.nan)
    level = centred_mean(adjusted, LEVEL_HALF_WIDTH, min_count=LEVEL_MIN_DAYS)
    residuals = _huber_clipped(log_values - level, effects, support, ordinary)
    effects = _effects_as_of(residuals, days, lookback, prior, holiday_factor, LEVEL_HALF_WIDTH + 1)
    return effects, support


def _huber_clipped(
    residuals: np.ndarray, effects: np.ndarray, support: np.ndarray, ordinary: np.ndarray
) -> np.ndarray:
    """Residuals of ordinary days pulled to within ``HUBER_K`` noise units of their category's effect.

    A plain mean lets one anomalous Wednesday (-50 %) bias the Wednesday effect by -50 % / 8 for the next
    two months, and every later Wednesday then looks like a spike. One Huber step around the previous
    estimate (where it rests on ``HUBER_MIN_SUPPORT`` earlier days) bounds that influence to
    ``HUBER_K`` sigma / n. The noise unit is the series' mean absolute deviation from its effects.
    Special days keep their residuals: their effect is the uncertain one and must be learnt in full.
    """
    deviation = residuals - effects
    trusted = ordinary[None, :] & (support >= HUBER_MIN_SUPPORT) & np.isfinite(deviation)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = (
            MEAN_ABS_TO_SIGMA * np.abs(np.where(trusted, deviation, 0.0)).sum(axis=1) / trusted.sum(axis=1)
        )
    bound = HUBER_K * np.nan_to_num(scale, nan=RESIDUAL_CLIP)[:, None]
    return np.where(trusted, effects + np.clip(deviation, -bound, bound), residuals)


def _support(residuals: np.ndarray, days: CalendarDays, lookback: int, lag: int) -> np.ndarray:
    support = np.zeros(residuals.shape, dtype=residuals.dtype)
    for code in np.unique(days.category):
        columns = days.category == code
        _, counts = category_trailing_sum(residuals, columns, columns, lookback, lag)
        support[:, columns] = counts
    return support


def _effects_as_of(
    residuals: np.ndarray, days: CalendarDays, lookback: int, prior: float, holiday_factor: float, lag: int
) -> np.ndarray:
    residuals = np.clip(residuals, -RESIDUAL_CLIP, RESIDUAL_CLIP)
    special = np.flatnonzero(days.category >= HOLIDAY)
    effects = np.zeros(residuals.shape, dtype=residuals.dtype)
    weekday_at_special = np.zeros((7, len(residuals), len(special)), dtype=residuals.dtype)
    for code in range(7):
        own = days.weekday == code
        at = own.copy()
        at[special] = True  # a special day needs every weekday's effect for its parents
        sums, counts = category_trailing_sum(residuals, days.category == code, at, lookback, lag)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(counts > 0, sums / counts, 0.0)
        at_columns = np.flatnonzero(at)
        effects[:, own] = mean[:, np.isin(at_columns, np.flatnonzero(own))]
        weekday_at_special[code] = mean[:, np.isin(at_columns, special)]
    if len(special) == 0:
        return effects
    weekday = days.weekday[special]
    own_weekday = weekday_at_special[weekday, :, np.arange(len(special))].T
    workday = weekday_at_special[:5].mean(axis=0)
    # a day before/after a break that falls on a Saturday or Sunday is a 调休 working day: a workday parent
    own_working_day = np.where(weekday >= 5, workday, own_weekday)
    parents = {
        HOLIDAY: holiday_factor * weekday_at_special[5:].mean(axis=0),
        ADJUSTED_WORKDAY: workday,
        BEFORE_HOLIDAY: own_working_day,
        AFTER_HOLIDAY: own_working_day,
    }
    for code, parent in parents.items():
        in_special = days.category[special] == code
        if in_special.any():
            columns = days.category == code
            sums, counts = category_trailing_sum(residuals, columns, columns, lookback, lag)
            with np.errstate(invalid="ignore", divide="ignore"):
                shrunk = (sums + prior * parent[:, in_special]) / (counts + prior)
            effects[:, columns] = np.where(counts + prior > 0, shrunk, parent[:, in_special])
    return effects


# -- human-readable notes ------------------------------------------------------------------------------

_KIND_NOTES = {
    DayKind.WEEKEND: ("周末（已按星期规律调整基线）", "Weekend (baseline adjusted for the weekly profile)"),
    DayKind.ADJUSTED_WORKDAY: (
        "调休工作日（周末上班，已按工作日调整）",
        "Adjusted working day (调休: a weekend day worked; treated as a workday)",
    ),
}


_HOLIDAY_NAMES_ZH = {
    "new year": "元旦",
    "spring festival": "春节",
    "tomb-sweeping": "清明节",
    "labour": "劳动节",
    "labor": "劳动节",
    "dragon boat": "端午节",
    "national day": "国庆节",
    "mid-autumn": "中秋节",
}


def holiday_name_zh(name: str) -> str:
    lowered = name.lower()
    return next((zh for key, zh in _HOLIDAY_NAMES_ZH.items() if key in lowered), name)


def calendar_notes(info: DayInfo, language: str = "zh") -> list[str]:
    """Plain-language notes on what kind of day ``info`` is and whether the calendar is provisional."""
    zh = language == "zh"
    notes: list[str] = []
    if info.kind == DayKind.HOLIDAY:
        name = info.holiday_name or ("节假日" if zh else "holiday")
        name = holiday_name_zh(name) if zh else name
        notes.append(
            f"法定节假日：{name}（已按节假日效应调整基线）"
            if zh
            else f"Public holiday: {name} (baseline adjusted for the holiday effect)"
        )
    elif info.kind in _KIND_NOTES:
        notes.append(_KIND_NOTES[info.kind][0 if zh else 1])
    if info.before_holiday:
        notes.append("节前最后一个工作日" if zh else "Last working day before a holiday break")
    if info.after_holiday:
        notes.append("长假后第一个工作日" if zh else "First working day after a holiday break")
    if info.provisional:
        notes.append(_provisional_note(info.date, str(info.source), zh))
    return notes


def _provisional_note(day: dt.date, source: str, zh: bool) -> str:
    if zh:
        return (
            f"{day.year}年的官方节假日安排尚未收录，日历按{source}推断（临时结果，"
            f"调休可能遗漏），请在发布后更新节假日文件"
        )
    return (
        f"The official {day.year} holiday schedule is not covered yet; the calendar is inferred from "
        f"{source} (provisional, adjusted working days may be missing) - update the holiday file once published"
    )
