"""The base metric cube: every leaf × every day, before any event is injected.

Each measure is built as a ``(days, leaves)`` matrix in one vectorised pass:

``dau[d, l] = leaf_dau[l] · calendar[d, segment(l)] · platform_calendar[d, platform(l)] · trend · shocks``

* **Stable mixes.** Each leaf's share of its segment, its ARPU and its conversion are perturbed once per
  seed (log-normal) and then kept for every day, so the mix drifts only through the trend.
* **Calendar.** Weekends lift DAU by a segment-specific amount (and TV more than PC); holidays lift it 1.2
  times as much with 3 % lower ARPU; 调休 working days behave like weekdays because the effect is keyed on the
  calendar's day kind, not the day of the week. The day before a long break is a little busier and the day
  after a little quieter.
* **Noise.** A daily shock per segment (~1.2 %, what an aggregate sees) times independent leaf noise (~3 %
  on DAU, a further ~3 % on revenue and ~4 % on members, which largely averages out when summed).

Every random draw happens here, in a fixed order that does not depend on the injected events, so the same
seed yields exactly the same noise with or without an event (the injection tests rely on this).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.demo.catalog import PLATFORM, PLATFORM_WEEKEND, PLATFORMS, SEGMENT, SEGMENTS

HOLIDAY_LIFT_RATIO = 1.2
HOLIDAY_ARPU_FACTOR = 0.97
BEFORE_HOLIDAY_DAU = 1.03
AFTER_HOLIDAY_DAU = 0.97
WEEKDAY_PROFILE = np.array([1.0, 0.99, 1.0, 1.01, 1.04, 1.0, 0.98])  # Mon..Sun, on top of weekend lift
ANNUAL_ARPU_GROWTH = 0.03


@dataclass(frozen=True)
class NoiseLevels:
    leaf_mix: float = 0.20  # log-sd of a leaf's share of its segment (drawn once)
    leaf_arpu: float = 0.08  # log-sd of a leaf's ARPU level (drawn once)
    leaf_conversion: float = 0.10  # log-sd of a leaf's conversion level (drawn once)
    segment_day: float = 0.012  # daily shock per segment
    leaf_dau: float = 0.03
    leaf_revenue: float = 0.03
    leaf_members: float = 0.04


@dataclass
class BaseCube:
    """The measures as ``(days, leaves)`` float matrices, plus the axes they are indexed by."""

    dates: pd.DatetimeIndex
    leaves: pd.DataFrame  # one row per leaf: the dimension columns and the expected levels
    dau: np.ndarray
    revenue: np.ndarray
    new_members: np.ndarray
    renew_members: np.ndarray


def calendar_factors(day_kinds: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """DAU factors per (day, segment) and per (day, platform), and the ARPU factor per day.

    ``day_kinds`` is :meth:`core.calendar.ChineseCalendar.frame` output for the cube's dates.
    """
    kind = day_kinds["kind"].to_numpy()
    weekday = day_kinds["weekday"].to_numpy()
    weekend = kind == "weekend"
    holiday = kind == "holiday"
    lifts = np.array([s.weekend_lift for s in SEGMENTS])
    off_lift = weekend.astype(float) + HOLIDAY_LIFT_RATIO * holiday
    around = np.where(day_kinds["before_holiday"].to_numpy(dtype=bool), BEFORE_HOLIDAY_DAU, 1.0) * np.where(
        day_kinds["after_holiday"].to_numpy(dtype=bool), AFTER_HOLIDAY_DAU, 1.0
    )
    # 调休 days are working days: keep the weekday profile of a normal working day for them
    profile = np.where(kind == "adjusted_workday", WEEKDAY_PROFILE[2], WEEKDAY_PROFILE[weekday])
    segment_factor = (1.0 + np.outer(off_lift, lifts)) * (profile * around)[:, None]
    platform_weekend = np.array([PLATFORM_WEEKEND[p] for p in PLATFORMS])
    is_off = (weekend | holiday)[:, None]
    platform_factor = np.where(is_off, platform_weekend[None, :], 1.0)
    arpu_factor = np.where(holiday, HOLIDAY_ARPU_FACTOR, 1.0)
    return segment_factor, platform_factor, arpu_factor


def build_base_cube(
    dates: pd.DatetimeIndex,
    day_kinds: pd.DataFrame,
    leaves: pd.DataFrame,
    rng: np.random.Generator,
    noise: NoiseLevels | None = None,
) -> BaseCube:
    """Draw the event-free cube for ``dates`` over ``leaves`` (from :func:`core.demo.catalog.leaf_table`)."""
    noise = noise or NoiseLevels()
    n_days, n_leaves = len(dates), len(leaves)
    segment_index = pd.Categorical(leaves[SEGMENT], categories=[s.name for s in SEGMENTS]).codes
    platform_index = pd.Categorical(leaves[PLATFORM], categories=list(PLATFORMS)).codes

    leaf_dau = _perturb_within_segments(leaves["dau"].to_numpy(), segment_index, rng, noise.leaf_mix)
    leaf_arpu = leaves["arpu"].to_numpy() * rng.lognormal(0.0, noise.leaf_arpu, n_leaves)
    leaf_conversion = leaves["conversion"].to_numpy() * rng.lognormal(0.0, noise.leaf_conversion, n_leaves)
    new_share = leaves["new_share"].to_numpy()

    segment_factor, platform_factor, arpu_factor = calendar_factors(day_kinds)
    years = (np.arange(n_days) - (n_days - 1)) / 365.0  # 0 on the last day: today's levels are the anchor
    growth = np.array([s.annual_growth for s in SEGMENTS])
    trend = np.exp(np.outer(years, growth))
    segment_shock = rng.lognormal(0.0, noise.segment_day, (n_days, len(SEGMENTS)))
    segment_revenue_shock = rng.lognormal(0.0, noise.segment_day, (n_days, len(SEGMENTS)))

    day_segment = (segment_factor * trend * segment_shock)[:, segment_index]
    dau = leaf_dau[None, :] * day_segment * platform_factor[:, platform_index]
    dau *= rng.lognormal(0.0, noise.leaf_dau, (n_days, n_leaves))

    arpu_day = (arpu_factor * np.exp(ANNUAL_ARPU_GROWTH * years))[:, None]
    revenue = dau * leaf_arpu[None, :] * arpu_day * segment_revenue_shock[:, segment_index]
    revenue *= rng.lognormal(0.0, noise.leaf_revenue, (n_days, n_leaves))

    members = dau * leaf_conversion[None, :] * rng.lognormal(0.0, noise.leaf_members, (n_days, n_leaves))
    new_members = members * new_share[None, :]
    renew_members = members - new_members
    return BaseCube(dates, leaves, dau, revenue, new_members, renew_members)


def _perturb_within_segments(
    base: np.ndarray, segment_index: np.ndarray, rng: np.random.Generator, sigma: float
) -> np.ndarray:
    """Perturb leaf sizes log-normally, then rescale so every segment keeps its total size."""
    perturbed = base * rng.lognormal(0.0, sigma, len(base))
    base_totals = np.bincount(segment_index, weights=base)
    new_totals = np.bincount(segment_index, weights=perturbed)
    return perturbed * (base_totals / new_totals)[segment_index]
