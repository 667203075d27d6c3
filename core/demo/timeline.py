"""Scheduling injected events on the cube's date axis without overlaps and with clean days between them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

ANOMALY_GAP_DAYS = 14  # clean days between two true anomalies: a detector needs a baseline
BASELINE_DAYS = 28  # no event in the first four weeks of the cube
BLOCKING_KINDS = ("holiday", "adjusted_workday")  # an anomaly never sits on a holiday or a 调休 day


@dataclass(frozen=True)
class HolidayBlock:
    start: dt.date
    days: int
    name: str | None

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


@dataclass
class _Reservation:
    start: dt.date
    end: dt.date
    benign: bool


@dataclass
class Timeline:
    """Free/occupied days of the cube for event placement.

    Two true anomalies keep ``ANOMALY_GAP_DAYS`` clean days between them; an anomaly and a benign event
    keep ``benign_gap`` (benign days are explained by the calendar or a campaign, so a shorter gap is
    tolerable when the range is crowded). Anomaly windows never contain a holiday or a 调休 day.
    """

    day_kinds: pd.DataFrame  # ChineseCalendar.frame output for the cube's dates
    benign_gap: int = ANOMALY_GAP_DAYS
    _reserved: list[_Reservation] = field(default_factory=list)
    first: dt.date = field(init=False)
    last: dt.date = field(init=False)
    _blocking: frozenset[dt.date] = field(init=False)

    def __post_init__(self) -> None:
        self.first = self.day_kinds["date"].iloc[0].date()
        self.last = self.day_kinds["date"].iloc[-1].date()
        blocking = self.day_kinds.loc[self.day_kinds["kind"].isin(BLOCKING_KINDS), "date"]
        self._blocking = frozenset(d.date() for d in blocking)

    def holiday_blocks(self) -> list[HolidayBlock]:
        """Runs of consecutive public-holiday days inside the range."""
        blocks: list[HolidayBlock] = []
        for date, kind, name in self.day_kinds[["date", "kind", "holiday_name"]].itertuples(index=False):
            day = date.date()
            if kind != "holiday":
                continue
            if blocks and blocks[-1].end == day - dt.timedelta(days=1):
                blocks[-1] = HolidayBlock(blocks[-1].start, blocks[-1].days + 1, blocks[-1].name)
            else:
                blocks.append(HolidayBlock(day, 1, name if isinstance(name, str) else None))
        return blocks

    def is_free(self, start: dt.date, days: int, benign: bool, on_holiday: bool = False) -> bool:
        """Whether an event fits here; only a holiday surge (``on_holiday``) may cover holidays."""
        end = start + dt.timedelta(days=days - 1)
        if start < self.first + dt.timedelta(days=BASELINE_DAYS) or end > self.last:
            return False
        for other in self._reserved:
            gap = ANOMALY_GAP_DAYS if not (benign or other.benign) else self.benign_gap
            if not (end + dt.timedelta(days=gap) < other.start or start > other.end + dt.timedelta(days=gap)):
                return False
        return on_holiday or not self._touches_holiday(start, end)

    def free_starts(self, days: int, benign: bool, not_before: dt.date | None = None) -> list[dt.date]:
        """Every start date at which a ``days``-long event (not on a holiday) fits, earliest first."""
        floor = max(self.first, not_before or self.first)
        count = (self.last - floor).days + 1
        candidates = (floor + dt.timedelta(days=i) for i in range(count))
        return [day for day in candidates if self.is_free(day, days, benign)]

    def reserve(self, start: dt.date, days: int, benign: bool) -> None:
        self._reserved.append(_Reservation(start, start + dt.timedelta(days=days - 1), benign))

    def _touches_holiday(self, start: dt.date, end: dt.date) -> bool:
        days = (end - start).days + 1
        return any(start + dt.timedelta(days=i) in self._blocking for i in range(days))
