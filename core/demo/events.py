"""Injected events: the ground truth that a detector run on the demo data should (or should not) find."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, TypeAdapter, model_validator

EventKind = Literal["drop", "spike", "level_shift", "slice_drop", "holiday_surge", "free_trial_surge"]
BENIGN_KINDS: frozenset[str] = frozenset({"holiday_surge", "free_trial_surge"})
EventMetric = Literal["arpu", "revenue", "dau", "conversion", "new_members", "renew_members"]
EVENT_METRICS: tuple[str, ...] = get_args(EventMetric)


class InjectedEvent(BaseModel):
    """One change injected into the cube.

    ``magnitude`` is a positive fraction for every kind except ``level_shift``, where it is signed
    (-0.2 = a permanent 20 % fall). Direction otherwise follows the kind: drops lower the metric, spikes
    and surges raise it. A ``level_shift`` lasts until the end of the cube whatever ``days`` says.
    ``slice`` is the root cause (dimension → value); empty means every leaf (a total-level event).
    """

    kind: EventKind
    start: dt.date
    days: int = Field(default=1, ge=1)
    metric: EventMetric = "arpu"
    magnitude: float
    slice: dict[str, str] = Field(default_factory=dict)
    benign: bool = False
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _benign_by_default_for_benign_kinds(cls, data: Any) -> Any:
        if isinstance(data, dict) and "benign" not in data:
            data = {**data, "benign": data.get("kind") in BENIGN_KINDS}
        return data

    @property
    def end(self) -> dt.date:
        """The last day covered by ``days`` (inclusive); a level shift's effect runs on to the cube's end."""
        return self.start + dt.timedelta(days=self.days - 1)

    def factor(self) -> float:
        """The multiplier this event applies to its metric's measure (1 - m for drops, 1 + m otherwise)."""
        if self.kind in ("drop", "slice_drop"):
            return 1.0 - self.magnitude
        return 1.0 + self.magnitude


_EVENT_LIST = TypeAdapter(list[InjectedEvent])


def events_to_json(events: list[InjectedEvent]) -> str:
    """Serialise events as an indented JSON array (dates as ISO strings, Chinese kept readable)."""
    return _EVENT_LIST.dump_json(events, indent=2).decode("utf-8")


def events_from_json(text: str | bytes) -> list[InjectedEvent]:
    """Parse the output of :func:`events_to_json` back into events."""
    return _EVENT_LIST.validate_json(text)
