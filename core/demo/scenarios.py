"""Which events to inject: the fixed showcase scenario and random scenarios for detection benchmarks.

The default scenario is a function of the dates only (not of the seed), so every demo shows the same
story: yesterday's 边现 drop caused by one segment on one resource position, plus a revenue spike, a TV-only
conversion drop and a persistent level shift earlier on, among benign holiday and free-trial surges.

Placement is greedy from the end backwards (latest free window first, see :class:`Timeline`). A crowded
range (National Day inside the last 60 days, say) cannot keep 14 clean days around every event, so the
default scenario relaxes constraints in a fixed order of preference: first the gap between anomalies and
the benign holiday surge (14 → 7 → 3 → 0 days), then the 60-day window for the anomalies (→ 90 → 120).
The 14-day gap between two true anomalies is never relaxed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import METRICS
from core.demo.catalog import (
    DIMENSION_VALUES,
    DISCOUNT_TYPE,
    PLATFORM,
    RESOURCE_POSITION,
    SEGMENT,
    holiday_name_zh,
    leaf_table,
    slice_mask,
)
from core.demo.events import InjectedEvent
from core.demo.timeline import ANOMALY_GAP_DAYS, HolidayBlock, Timeline

SHOWCASE_SLICE = {SEGMENT: "动漫偏好活跃", RESOURCE_POSITION: "首页位1"}
FREE_TRIAL_SLICE = {DISCOUNT_TYPE: "免费试看"}
DEFAULT_RELAXATIONS: tuple[tuple[int, int], ...] = (
    (60, 14), (60, 7), (60, 3), (60, 0), (90, 14), (90, 7), (120, 14), (120, 0),
)  # fmt: skip
MIN_SLICE_SHARE = 0.02  # a random slice holds at least 2 % of the metric's volume


@dataclass(frozen=True)
class _Template:
    """An event without its start date."""

    kind: str
    days: int
    metric: str
    magnitude: float
    slice: dict[str, str]
    description: str

    def at(self, start: dt.date, days: int | None = None) -> InjectedEvent:
        return InjectedEvent(
            kind=self.kind,
            start=start,
            days=days or self.days,
            metric=self.metric,
            magnitude=self.magnitude,
            slice=dict(self.slice),
            description=self.description,
        )


SHOWCASE = _Template(
    "drop",
    1,
    "arpu",
    0.55,
    SHOWCASE_SLICE,
    "首页位1面向动漫偏好活跃人群的会员权益素材配置错误（跳转到已下架专题页），该切片边现骤降约55%，拖累大盘边现。",
)
EARLIER_ANOMALIES: tuple[_Template, ...] = (
    _Template(
        "slice_drop", 2, "conversion", 0.45, {PLATFORM: "TV"},
        "TV端支付SDK升级后收银台异常，TV端新增与续费转化率下降约45%，手机和PC端正常。",
    ),
    _Template(
        "spike", 1, "revenue", 0.6, {DISCOUNT_TYPE: "5折月卡"},
        "5折月卡临时加推（未报备的限时活动），该优惠类型收入单日激增约60%。",
    ),
    _Template(
        "level_shift", 1, "arpu", -0.25, {"content_type": "电影"},
        "部分头部电影版权到期下架，电影内容边现自当日起持续下降约25%。",
    ),
)  # fmt: skip
FREE_TRIAL = _Template(
    "free_trial_surge", 3, "dau", 0.6, FREE_TRIAL_SLICE,
    "免费试看拉新活动：免费试看渠道DAU大幅上升但收入未同步增长，边现因分母变大而下降，属预期内。",
)  # fmt: skip
HOLIDAY_SURGE_MAGNITUDE = 0.12


def default_scenario(end: dt.date, days: int, calendar: ChineseCalendar | None = None) -> list[InjectedEvent]:
    """The showcase scenario for the cube ``[end - days + 1, end]`` (events that cannot fit are left out)."""
    day_kinds = _day_kinds(end, days, calendar)
    preferred = _preferred_holiday(Timeline(day_kinds).holiday_blocks(), end)
    for window, benign_gap in DEFAULT_RELAXATIONS:
        timeline = Timeline(day_kinds, benign_gap=benign_gap)
        events = _place_default(timeline, end, window, preferred)
        if sum(not e.benign for e in events) == 1 + len(EARLIER_ANOMALIES):
            return sorted(events, key=lambda e: e.start)
    return sorted(_place_default(Timeline(day_kinds), end, days, None), key=lambda e: e.start)


def _place_default(
    timeline: Timeline, end: dt.date, window: int, holiday: HolidayBlock | None
) -> list[InjectedEvent]:
    timeline.reserve(end, 1, benign=False)
    events = [SHOWCASE.at(end)]
    if holiday is not None and timeline.is_free(holiday.start, holiday.days, benign=True, on_holiday=True):
        timeline.reserve(holiday.start, holiday.days, benign=True)
        events.append(_holiday_surge(holiday, HOLIDAY_SURGE_MAGNITUDE))
    not_before = end - dt.timedelta(days=window - 1)
    for template in EARLIER_ANOMALIES:
        starts = timeline.free_starts(template.days, benign=False, not_before=not_before)
        if not starts:
            continue
        start = starts[-1]
        length = (end - start).days + 1 if template.kind == "level_shift" else template.days
        timeline.reserve(start, template.days, benign=False)
        events.append(template.at(start, length))
    if holiday is None or not any(e.kind == "holiday_surge" for e in events):
        events.extend(_fit_any_holiday(timeline, end))
    timeline.benign_gap = ANOMALY_GAP_DAYS  # only the holiday may crowd an anomaly, never the free trial
    trial_starts = timeline.free_starts(FREE_TRIAL.days, benign=True)
    if trial_starts:
        timeline.reserve(trial_starts[-1], FREE_TRIAL.days, benign=True)
        events.append(FREE_TRIAL.at(trial_starts[-1]))
    return events


def _preferred_holiday(blocks: list[HolidayBlock], end: dt.date) -> HolidayBlock | None:
    """National Day if it is in range, otherwise the holiday nearest to the end."""
    national = [b for b in blocks if b.start.month == 10 and b.start.day <= 8 and b.days >= 3]
    if national:
        return national[-1]
    return max(blocks, key=lambda b: b.end, default=None)


def _fit_any_holiday(timeline: Timeline, end: dt.date) -> list[InjectedEvent]:
    """A holiday surge on the latest holiday block that still fits, if any."""
    for block in sorted(timeline.holiday_blocks(), key=lambda b: (end - b.end).days):
        if timeline.is_free(block.start, block.days, benign=True, on_holiday=True):
            timeline.reserve(block.start, block.days, benign=True)
            return [_holiday_surge(block, HOLIDAY_SURGE_MAGNITUDE)]
    return []


def _holiday_surge(block: HolidayBlock, magnitude: float) -> InjectedEvent:
    name = holiday_name_zh(block.name)
    return InjectedEvent(
        kind="holiday_surge",
        start=block.start,
        days=block.days,
        metric="dau",
        magnitude=round(magnitude, 3),
        description=f"{name}假期流量高峰：DAU整体上升约{magnitude:.0%}、边现基本稳定（略降），属正常节假日效应。",
    )


# -- random scenarios ---------------------------------------------------------------------------------

ANOMALY_KINDS = ("drop", "spike", "slice_drop", "level_shift")
METRICS_BY_KIND: dict[str, tuple[str, ...]] = {
    "drop": ("arpu", "revenue", "dau", "conversion"),
    "slice_drop": ("arpu", "revenue", "dau", "conversion"),
    "spike": ("revenue", "dau", "arpu", "conversion"),
    "level_shift": ("arpu", "revenue", "dau", "conversion"),
}
KIND_ZH = {"drop": "骤降", "slice_drop": "局部下降", "spike": "激增", "level_shift": "水平偏移"}


def random_scenario(
    rng: np.random.Generator, end: dt.date, days: int, calendar: ChineseCalendar | None = None
) -> list[InjectedEvent]:
    """A varied random set of events for benchmarking detectors.

    3–6 true anomalies (at most one level shift; drops are total-level a quarter of the time, slice drops
    always have a 1–2 dimension slice holding ≥ 2 % of the metric's volume), usually a benign holiday
    surge on a random holiday block and often a benign free-trial surge. Magnitudes shrink with the
    slice's breadth (total 12–25 %, one dimension 20–50 %, two dimensions 35–70 %), so every event is
    clearly visible on its own slice. Same 14-clean-day placement rules as the default scenario.
    """
    timeline = Timeline(_day_kinds(end, days, calendar))
    events: list[InjectedEvent] = []
    blocks = timeline.holiday_blocks()
    if blocks and rng.random() < 0.8:
        block = blocks[int(rng.integers(len(blocks)))]
        if timeline.is_free(block.start, block.days, benign=True, on_holiday=True):
            timeline.reserve(block.start, block.days, benign=True)
            events.append(_holiday_surge(block, float(rng.uniform(0.08, 0.2))))
    kinds = list(rng.choice(ANOMALY_KINDS[:3], size=int(rng.integers(3, 7))))
    if rng.random() < 0.6:
        kinds[0] = "level_shift"
    leaves = leaf_table()
    for kind in kinds:
        event = _random_anomaly(str(kind), rng, timeline, leaves, end)
        if event is not None:
            events.append(event)
    if rng.random() < 0.6:
        length = int(rng.integers(2, 6))
        starts = timeline.free_starts(length, benign=True)
        if starts:
            start = starts[int(rng.integers(len(starts)))]
            timeline.reserve(start, length, benign=True)
            trial = FREE_TRIAL.at(start, length).model_copy(
                update={"magnitude": round(rng.uniform(0.4, 1.0), 3)}
            )
            events.append(trial)
    return sorted(events, key=lambda e: e.start)


def _random_anomaly(
    kind: str, rng: np.random.Generator, timeline: Timeline, leaves: pd.DataFrame, end: dt.date
) -> InjectedEvent | None:
    metric = str(rng.choice(METRICS_BY_KIND[kind]))
    total_level = kind == "drop" and rng.random() < 0.25
    slice_ = {} if total_level else _random_slice(rng, leaves, metric)
    low, high = {0: (0.12, 0.25), 1: (0.2, 0.5), 2: (0.35, 0.7)}[len(slice_)]
    magnitude = float(rng.uniform(low, high))
    if kind == "level_shift":
        magnitude = min(magnitude, 0.35) * (1.0 if rng.random() < 0.3 else -1.0)
    length = 1 if kind == "level_shift" else int(rng.integers(1, 4))
    starts = timeline.free_starts(length, benign=False)
    if kind == "level_shift":
        starts = [s for s in starts if (end - s).days >= 7]  # leave a week to see the new level
    if not starts:
        return None
    start = starts[int(rng.integers(len(starts)))]
    timeline.reserve(start, length, benign=False)
    if kind == "level_shift":
        length = (end - start).days + 1
    event = InjectedEvent(kind=kind, start=start, days=length, metric=metric, magnitude=round(magnitude, 3))
    return event.model_copy(update={"slice": slice_, "description": describe(event, slice_)})


def _random_slice(rng: np.random.Generator, leaves: pd.DataFrame, metric: str) -> dict[str, str]:
    """A random 1–2 dimension slice that exists and holds at least ``MIN_SLICE_SHARE`` of the volume."""
    volume = leaves["dau"] * (leaves["arpu"] if metric in ("arpu", "revenue") else 1.0)
    dimensions = list(DIMENSION_VALUES)
    while True:
        chosen = rng.choice(dimensions, size=int(rng.integers(1, 3)), replace=False)
        slice_ = {str(d): str(rng.choice(DIMENSION_VALUES[str(d)])) for d in chosen}
        if volume[slice_mask(leaves, slice_)].sum() >= MIN_SLICE_SHARE * volume.sum():
            return slice_


def describe(event: InjectedEvent, slice_: dict[str, str] | None = None) -> str:
    """A one-line Chinese description: ``segment=动漫偏好活跃 × platform=TV 的边现骤降 40%``."""
    slice_ = event.slice if slice_ is None else slice_
    where = " × ".join(f"{k}={v}" for k, v in slice_.items()) or "大盘"
    change = f"{abs(event.magnitude):.0%}"
    if event.kind == "level_shift":
        direction = "上移" if event.magnitude > 0 else "下移"
        return f"{where} 的{METRICS[event.metric].zh}自 {event.start} 起水平{direction} {change}"
    return f"{where} 的{METRICS[event.metric].zh}{KIND_ZH.get(event.kind, event.kind)} {change}（{event.days}天）"


def _day_kinds(end: dt.date, days: int, calendar: ChineseCalendar | None) -> pd.DataFrame:
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D")
    return (calendar or ChineseCalendar()).frame(dates)
