"""A family of cubes written independently of ``core.demo``: other dimensions, magnitudes and noise.

Each seed draws its own cube (used by ``bench/detection_family.py``):

* 3–7 dimensions named from a pool of other teams' vocabularies (``渠道``, ``region``, ``会员等级`` …), 2–12
  values each (at most ``MAX_LEAVES`` leaves), Dirichlet shares per dimension, a tenth of the leaves sparse
  (1 % of their share);
* a total DAU between 2·10⁵ and 5·10⁷, ARPU per leaf between 0.05 and 3 元, conversion 0.2 %–2 %;
* a weekly pattern of random strength, a trend with one break, noise per leaf that grows as the leaf shrinks
  (a small slice is noisier), official holidays (``chinesecalendar``, 2025 and 2026) lifting DAU;
* one missing day (no row at all);
* 3–6 incidents, not overlapping: DAU-led drops (DAU, revenue and members fall together), conversion-led
  drops, 边现 (revenue-only) drops and spikes, on the total, on one slice or on a pair of slices, lasting
  1 day or a multi-day shift of 3–7 days that then ends.

The ground truth is a list of :class:`core.demo.InjectedEvent` (holiday lifts as benign ``holiday_surge``),
so the demo benchmark's matching rules score it unchanged.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar, DayKind
from core.demo import InjectedEvent
from core.demo.injections import measure_factors

NAME_POOL = (
    "渠道", "region", "会员等级", "device", "内容品类", "entry", "价格档", "city_tier", "年龄段", "package",
    "活动入口", "os",
)  # fmt: skip
MAX_LEAVES = 2000
TUNING, REPORTED = "tuning half (odd seeds)", "reported half (even seeds)"  # the split every bench uses
MISSING = "missing_day"


def half_of(seed: int) -> str:
    """Odd seeds are the tuning half (parameters are chosen on them), even seeds the reported half."""
    return TUNING if seed % 2 else REPORTED


@dataclass(frozen=True)
class FamilyCube:
    name: str
    frame: pd.DataFrame
    events: list[InjectedEvent]
    missing_day: dt.date
    dimensions: list[str]


def family_cube(seed: int, end: dt.date, days: int, calendar: ChineseCalendar) -> FamilyCube:
    rng = np.random.default_rng(10_000 + seed)
    dimensions, leaves = _leaves(rng)
    share = _shares(rng, dimensions, leaves)
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    dau_total = float(np.exp(rng.uniform(np.log(2e5), np.log(5e7))))
    arpu = np.exp(rng.uniform(np.log(0.05), np.log(3.0))) * np.exp(rng.normal(0, 0.3, len(leaves)))
    conversion = rng.uniform(0.002, 0.02) * np.exp(rng.normal(0, 0.3, len(leaves)))
    renew_share = rng.uniform(0.3, 0.7)

    level = _daily_level(rng, dates, calendar)  # days × 1
    expected_dau = level[:, None] * dau_total * share[None, :]
    sigma = np.clip(
        rng.uniform(0.01, 0.05) * np.sqrt(1e4 / np.maximum(expected_dau.mean(axis=0), 1)), 0.01, 0.3
    )
    dau = expected_dau * np.exp(rng.normal(0, 1, expected_dau.shape) * sigma[None, :])
    revenue = dau * arpu[None, :] * np.exp(rng.normal(0, 1, dau.shape) * sigma[None, :] * 0.5)
    members = dau * conversion[None, :] * np.exp(rng.normal(0, 1, dau.shape) * sigma[None, :] * 0.5)
    measures = {
        "dau": dau,
        "revenue": revenue,
        "new_members": members * (1 - renew_share),
        "renew_members": members * renew_share,
    }

    holidays = _holiday_events(dates, calendar)  # the lift is in ``level``; these mark the days benign
    incidents = _incidents(rng, dates, dimensions, leaves, calendar)
    for event in incidents:
        rows = np.flatnonzero((dates >= pd.Timestamp(event.start)) & (dates <= pd.Timestamp(event.end)))
        cols = np.flatnonzero(_mask(leaves, event.slice))
        for measure, factor in measure_factors(event).items():
            measures[measure][np.ix_(rows, cols)] *= factor

    missing = dates[int(rng.integers(days // 3, days - 20))].date()
    frame = _frame(dates, leaves, dimensions, measures)
    frame = frame[frame["date"] != pd.Timestamp(missing)].reset_index(drop=True)
    name = f"family-{seed} ({len(dimensions)} dims, {len(leaves):,} leaves)"
    return FamilyCube(name, frame, [*incidents, *holidays], missing, dimensions)


def _leaves(rng: np.random.Generator) -> tuple[list[str], pd.DataFrame]:
    count = int(rng.integers(3, 8))
    widest = int(np.clip(np.floor(MAX_LEAVES ** (1 / count)) * 2, 2, 12))  # a few wide, most narrower
    while True:
        cards = [int(c) for c in rng.integers(2, widest + 1, count)]
        if int(np.prod(cards)) <= MAX_LEAVES:
            break
    names = list(rng.choice(NAME_POOL, count, replace=False))
    values = [
        [f"{name[:2]}{chr(65 + i)}{i}" for i in range(card)] for name, card in zip(names, cards, strict=True)
    ]
    return names, pd.DataFrame(list(itertools.product(*values)), columns=names)


def _shares(rng: np.random.Generator, dimensions: list[str], leaves: pd.DataFrame) -> np.ndarray:
    share = np.ones(len(leaves))
    for dimension in dimensions:
        values = sorted(leaves[dimension].unique())
        weights = dict(zip(values, rng.dirichlet(np.full(len(values), 2.0)), strict=True))
        share *= leaves[dimension].map(weights).to_numpy()
    sparse = rng.random(len(leaves)) < 0.1
    share[sparse] *= 0.01
    return share / share.sum()


def _daily_level(rng: np.random.Generator, dates: pd.DatetimeIndex, calendar: ChineseCalendar) -> np.ndarray:
    weekly = rng.uniform(0.0, 0.25)
    weekend = np.array([calendar.info(d.date()).is_off for d in dates], dtype=float)  # 调休 days work
    growth = rng.uniform(-0.0015, 0.0015)
    brk = int(rng.integers(len(dates) // 4, 3 * len(dates) // 4))
    after = rng.uniform(-0.0015, 0.0015)
    t = np.arange(len(dates), dtype=float)
    trend = np.where(t < brk, growth * t, growth * brk + after * (t - brk))
    holiday = np.array([_is_holiday(calendar, d.date()) for d in dates], dtype=float) * rng.uniform(0.05, 0.2)
    return np.exp(trend) * (1 + weekly * weekend) * (1 + holiday)


def _holiday_events(dates: pd.DatetimeIndex, calendar: ChineseCalendar) -> list[InjectedEvent]:
    return [
        InjectedEvent(kind="holiday_surge", start=d.date(), metric="dau", magnitude=0.1, benign=True)
        for d in dates
        if _is_holiday(calendar, d.date())
    ]


def _is_holiday(calendar: ChineseCalendar, day: dt.date) -> bool:
    return calendar.info(day).kind == DayKind.HOLIDAY


def _incidents(
    rng: np.random.Generator,
    dates: pd.DatetimeIndex,
    dimensions: list[str],
    leaves: pd.DataFrame,
    calendar: ChineseCalendar,
) -> list[InjectedEvent]:
    """3–6 incidents in the last 150 days, a week apart at least, none on a holiday."""
    events: list[InjectedEvent] = []
    taken: set[int] = set()
    for _ in range(int(rng.integers(3, 7))):
        for _attempt in range(50):
            length = 1 if rng.random() < 0.6 else int(rng.integers(3, 8))
            start = int(rng.integers(len(dates) - 150, len(dates) - length))
            span = set(range(start - 7, start + length + 7))
            days = [dates[i].date() for i in range(start, start + length)]
            if span & taken or any(_is_holiday(calendar, d) for d in days):
                continue
            metric, kind = rng.choice(
                [("dau", "drop"), ("conversion", "drop"), ("arpu", "drop"), ("arpu", "spike")]
            )
            slice_ = _slice(rng, dimensions, leaves)
            magnitude = float(rng.uniform(0.15, 0.35) if slice_ else rng.uniform(0.08, 0.2))
            if slice_:
                kind = "slice_drop" if kind == "drop" else kind
            event = InjectedEvent(
                kind=kind, start=days[0], days=length, metric=metric, magnitude=magnitude, slice=slice_
            )
            events.append(event)
            taken |= span
            break
    return sorted(events, key=lambda e: e.start)


def _slice(rng: np.random.Generator, dimensions: list[str], leaves: pd.DataFrame) -> dict[str, str]:
    """The total (a quarter of the incidents), one large value of one dimension, or a pair of them."""
    draw = rng.random()
    if draw < 0.25:
        return {}
    chosen = list(rng.choice(dimensions, 1 if draw < 0.8 else 2, replace=False))
    out = {}
    for dimension in chosen:
        values = sorted(leaves[dimension].unique())
        out[dimension] = str(values[int(rng.integers(0, min(3, len(values))))])
    return out


def _mask(leaves: pd.DataFrame, slice_: dict[str, str]) -> np.ndarray:
    mask = np.ones(len(leaves), dtype=bool)
    for dimension, value in slice_.items():
        mask &= (leaves[dimension] == value).to_numpy()
    return mask


def _frame(
    dates: pd.DatetimeIndex, leaves: pd.DataFrame, dimensions: list[str], measures: dict[str, np.ndarray]
) -> pd.DataFrame:
    n_days, n_leaves = len(dates), len(leaves)
    frame = pd.DataFrame({"date": np.repeat(dates.to_numpy(), n_leaves)})
    for dimension in dimensions:
        frame[dimension] = np.tile(leaves[dimension].to_numpy(), n_days)
    frame["dau"] = np.round(measures["dau"].ravel()) + 1
    frame["revenue"] = np.round(measures["revenue"].ravel(), 2)
    frame["new_members"] = np.round(measures["new_members"].ravel())
    frame["renew_members"] = np.round(measures["renew_members"].ravel())
    return frame
