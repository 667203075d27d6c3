"""A clean synthetic cube with realistic calendar behaviour, for calibration tests and benchmarks.

Not the product's demo data (that is ``core.demo``): this one is small, fully seeded and has *no*
anomalies unless :func:`scale_measures` injects one, so a test can count false alerts exactly.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar, DayKind

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "segment": ("member", "non_member", "trial"),
    "platform": ("ios", "android", "pc", "tv"),
    "content": ("drama", "movie", "variety", "anime"),
    "position": ("home", "channel", "search"),
    "discount": ("none", "first_month", "auto_renew"),
}
CALENDAR_LIFT = {  # multiplicative effect of a kind of day on DAU (revenue follows, a bit damped)
    "weekend": 1.15,
    "holiday": 1.30,
    "adjusted_workday": 0.97,
    "before_holiday": 0.97,
    "after_holiday": 0.94,
}


def clean_cube(
    end: dt.date,
    days: int = 180,
    *,
    seed: int = 7,
    calendar: ChineseCalendar | None = None,
    total_dau: float = 10_000_000,
    leaf_noise: float = 0.03,
    day_noise: float = 0.01,
) -> pd.DataFrame:
    """A long cube frame ``date x 5 dimensions`` with the four measures and calendar effects, no anomaly."""
    rng = np.random.default_rng(seed)
    calendar = calendar or ChineseCalendar()
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    leaves = pd.DataFrame(list(itertools.product(*DIMENSIONS.values())), columns=list(DIMENSIONS))
    weight = np.ones(len(leaves))
    for name, values in DIMENSIONS.items():
        shares = rng.dirichlet(np.full(len(values), 4.0))
        weight *= leaves[name].map(dict(zip(values, shares, strict=True))).to_numpy()
    weight /= weight.sum()
    leaf_arpu = rng.uniform(0.2, 0.6, len(leaves)) * np.where(leaves["segment"] == "member", 3.0, 1.0)
    leaf_new = rng.uniform(0.002, 0.01, len(leaves))
    leaf_renew = rng.uniform(0.002, 0.02, len(leaves)) * np.where(leaves["segment"] == "member", 2.0, 0.2)

    lift = np.array([_calendar_lift(calendar, d.date()) for d in dates])
    trend = np.exp(0.0005 * np.arange(days))
    day_shock = np.exp(rng.normal(0, day_noise, days))
    shape = (days, len(leaves))
    base_dau = total_dau * np.outer(lift * trend * day_shock, weight)
    dau = np.round(base_dau * np.exp(rng.normal(0, leaf_noise, shape)))
    revenue = dau * leaf_arpu * np.sqrt(lift)[:, None] * np.exp(rng.normal(0, leaf_noise, shape))
    new_members = rng.poisson(dau * leaf_new).astype(float)
    renew_members = rng.poisson(dau * leaf_renew).astype(float)

    frame = pd.concat([leaves] * days, ignore_index=True)
    frame.insert(0, "date", np.repeat(dates.to_numpy(), len(leaves)))
    frame["dau"] = dau.ravel()
    frame["revenue"] = np.round(revenue.ravel(), 2)
    frame["new_members"] = new_members.ravel()
    frame["renew_members"] = renew_members.ravel()
    return frame


def _calendar_lift(calendar: ChineseCalendar, day: dt.date) -> float:
    info = calendar.info(day)
    lift = CALENDAR_LIFT.get(str(info.kind), 1.0) if info.kind != DayKind.WORKDAY else 1.0
    if info.before_holiday:
        lift *= CALENDAR_LIFT["before_holiday"]
    if info.after_holiday:
        lift *= CALENDAR_LIFT["after_holiday"]
    return lift


def scale_measures(
    cube: pd.DataFrame,
    start: dt.date,
    end: dt.date | None = None,
    *,
    factor: float,
    measures: tuple[str, ...],
    where: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Return a copy with ``measures`` multiplied by ``factor`` from ``start`` to ``end`` (inclusive)
    on the rows matching ``where`` (all rows when None): a spike, drop, level shift or slice drop."""
    out = cube.copy()
    dates = out["date"].dt.date
    mask = (dates >= start) & (dates <= (end or start))
    for column, value in (where or {}).items():
        mask &= out[column] == value
    for measure in measures:
        out.loc[mask, measure] = out.loc[mask, measure] * factor
    return out
