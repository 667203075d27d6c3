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
effect for the following weeks.

Computation (day-major, see :mod:`core.detection.day_major`): the days are packed by category once, and
a pass costs one prefix sum of the packed residuals – every window of every category (each day's own,
and the seven weekday windows a special day needs for its parents) is a difference of two of its rows.
Counts of valid cells depend only on the NaN pattern, which passes 2 and 3 share, so they are computed
once; likewise the counts of the centred levels. No loop over series, days or categories.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar, DayInfo, DayKind
from core.detection.day_major import centred_bounds, prefix_sums, valid_prefix_sums

HOLIDAY, ADJUSTED_WORKDAY, BEFORE_HOLIDAY, AFTER_HOLIDAY = 7, 8, 9, 10
WEEK_HALF_WIDTH = 3
LEVEL_HALF_WIDTH = 10
LEVEL_MIN_DAYS = 7
RESIDUAL_CLIP = 1.0
HUBER_K = 3.0
HUBER_MIN_SUPPORT = 1
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


@dataclass(frozen=True)
class _CategoryWindows:
    """Where, in the day-major prefix sums of the columns packed by category, each needed window lies.

    ``order`` packs the days by (category, date); the window of category ``c`` for day ``t`` (the
    ``lookback`` days ending ``lag`` days before t) is then the packed run ``[low, high)``, so its sum is a
    difference of two prefix rows. Needed: each day's own category (``own_*``, (days,)) and, for each
    special day, every weekday category (``weekday_*``, (7, specials)) for the parent effects.
    """

    order: np.ndarray
    own_low: np.ndarray
    own_high: np.ndarray
    special: np.ndarray  # columns of the special days
    weekday_low: np.ndarray
    weekday_high: np.ndarray


def _category_windows(category: np.ndarray, lookback: int, lag: int) -> _CategoryWindows:
    order = np.argsort(category, kind="stable")
    stride = 2 * (len(category) + lookback + lag) + 1  # keys of one category never reach the next one
    keys = category[order] * stride + order

    def bounds(code: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low = np.searchsorted(keys, code * stride + target - lag - lookback + 1, side="left")
        high = np.searchsorted(keys, code * stride + target - lag, side="right")
        return low, np.maximum(high, low)

    columns = np.arange(len(category))
    own_low, own_high = bounds(category, columns)
    special = np.flatnonzero(category >= HOLIDAY)
    weekday_low, weekday_high = bounds(np.arange(7)[:, None], special[None, :])
    return _CategoryWindows(order, own_low, own_high, special, weekday_low, weekday_high)


def calendar_effects(
    log_by_day: np.ndarray, days: CalendarDays, lookback: int, prior: float, holiday_factor: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Per day and series (day-major: ``log_by_day`` is (days, series) float32): the additive log effect
    of the day's calendar category (as known before it), and its *support* – how many earlier days of
    that category it was estimated from.

    The NaN pattern of the inputs is shared by the passes: the centred levels of all passes average the
    same (valid, ordinary) cells, and passes 2 and 3 average the same residual cells, so those counts
    are computed once.
    """
    ordinary = (days.category < 7)[:, None]
    usable = ordinary & ~np.isnan(log_by_day)
    _, usable_counts = valid_prefix_sums(log_by_day, usable)
    week_windows = _category_windows(days.category, lookback, WEEK_HALF_WIDTH + 1)
    level_windows = _category_windows(days.category, lookback, LEVEL_HALF_WIDTH + 1)
    # pass 1: weekday profile from fully ordinary weeks (a centred 7-day mean has every weekday once)
    level = _centred_mean(log_by_day, usable, usable_counts, WEEK_HALF_WIDTH, min_count=7)
    residuals = log_by_day - level
    counts = _window_counts(~np.isnan(residuals), week_windows)
    effects = _effects_as_of(residuals, counts, days, week_windows, prior, holiday_factor)
    # pass 2: level = mean of weekday-adjusted ordinary days in a wider window, robust to long breaks
    level = _centred_mean(log_by_day - effects, usable, usable_counts, LEVEL_HALF_WIDTH, LEVEL_MIN_DAYS)
    residuals = log_by_day - level
    counts = _window_counts(~np.isnan(residuals), level_windows)
    effects = _effects_as_of(residuals, counts, days, level_windows, prior, holiday_factor)
    support = counts[0]
    # pass 3: the same, on residuals Huber-clipped around the pass-2 effects (ordinary days only)
    level = _centred_mean(log_by_day - effects, usable, usable_counts, LEVEL_HALF_WIDTH, LEVEL_MIN_DAYS)
    residuals = _huber_clipped(log_by_day - level, effects, support, ordinary)
    effects = _effects_as_of(residuals, counts, days, level_windows, prior, holiday_factor)
    return effects, support


def _centred_mean(
    values: np.ndarray, usable: np.ndarray, usable_counts: np.ndarray, half: int, min_count: int
) -> np.ndarray:
    """Mean of the ``usable`` values in rows ``[t - half, t + half]``; NaN below ``min_count`` values."""
    start, end = centred_bounds(len(values), half)
    sums = prefix_sums(np.where(usable, values, 0))
    count = usable_counts[end] - usable_counts[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums[end] - sums[start]) / count
    return np.where(count >= min_count, mean, np.nan)


def _window_counts(valid: np.ndarray, windows: _CategoryWindows) -> tuple[np.ndarray, np.ndarray]:
    """Valid residuals in each day's own-category window (days, series) and in each weekday window at
    the special days (7, specials, series)."""
    counts = prefix_sums(valid[windows.order].astype(np.float32))
    return (
        counts[windows.own_high] - counts[windows.own_low],
        counts[windows.weekday_high] - counts[windows.weekday_low],
    )


def _huber_clipped(
    residuals: np.ndarray, effects: np.ndarray, support: np.ndarray, ordinary: np.ndarray
) -> np.ndarray:
    """Residuals of ordinary days pulled to within ``HUBER_K`` noise units of their category's effect.

    A plain mean lets one anomalous Wednesday (-50 %) bias the Wednesday effect by -50 % / 8 for the next
    two months, and every later Wednesday then looks like a spike. One Huber step around the previous
    estimate (where it rests on at least ``HUBER_MIN_SUPPORT`` earlier day) bounds that influence to
    ``HUBER_K`` sigma / n. A single earlier day is enough to clip around: in a cube's first weeks a weekday
    has been seen only two or three times, and an unclipped +22 % spike then taught its weekday +5 % for
    the next two months (found on the tuning half of ``bench/detection_family.py``; 3 before). The noise
    unit is the series' mean absolute deviation from its effects.
    Special days keep their residuals: their effect is the uncertain one and must be learnt in full.
    """
    deviation = residuals - effects
    trusted = ordinary & (support >= HUBER_MIN_SUPPORT) & np.isfinite(deviation)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = (
            MEAN_ABS_TO_SIGMA * np.abs(np.where(trusted, deviation, 0.0)).sum(axis=0) / trusted.sum(axis=0)
        )
    bound = HUBER_K * np.nan_to_num(scale, nan=RESIDUAL_CLIP)[None, :]
    return np.where(trusted, effects + np.clip(deviation, -bound, bound), residuals)


def _effects_as_of(
    residuals: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray],
    days: CalendarDays,
    windows: _CategoryWindows,
    prior: float,
    holiday_factor: float,
) -> np.ndarray:
    """Each day's category effect from the clipped residuals of earlier days (day-major)."""
    residuals = np.clip(residuals, -RESIDUAL_CLIP, RESIDUAL_CLIP)
    packed = residuals[windows.order]
    sums = prefix_sums(np.where(np.isnan(packed), 0, packed))
    own_sums = sums[windows.own_high] - sums[windows.own_low]
    own_counts, weekday_counts = counts
    with np.errstate(invalid="ignore", divide="ignore"):
        effects = np.where(own_counts > 0, own_sums / own_counts, 0.0)  # the ordinary days: a plain mean
    special = windows.special
    if len(special) == 0:
        return effects
    weekday_sums = sums[windows.weekday_high] - sums[windows.weekday_low]
    with np.errstate(invalid="ignore", divide="ignore"):
        weekday_at_special = np.where(weekday_counts > 0, weekday_sums / weekday_counts, 0.0)
    weekday = days.weekday[special]
    own_weekday = weekday_at_special[weekday, np.arange(len(special))]
    workday = weekday_at_special[:5].mean(axis=0)
    # a day before/after a break that falls on a Saturday or Sunday is a 调休 working day: a workday parent
    own_working_day = np.where((weekday >= 5)[:, None], workday, own_weekday)
    category = days.category[special]
    parent = np.where(
        (category == HOLIDAY)[:, None],
        holiday_factor * weekday_at_special[5:].mean(axis=0),
        np.where((category == ADJUSTED_WORKDAY)[:, None], workday, own_working_day),
    )
    special_counts = own_counts[special]
    with np.errstate(invalid="ignore", divide="ignore"):
        shrunk = (own_sums[special] + prior * parent) / (special_counts + prior)
    effects[special] = np.where(special_counts + prior > 0, shrunk, parent)
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
