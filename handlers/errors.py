"""Errors a handler raises for the user's input; the dispatcher turns them into a helpful card."""

from __future__ import annotations

import datetime as dt


class UsageError(Exception):
    """The arguments cannot be used. Carries both languages and an example of a correct call."""

    def __init__(self, zh: str, en: str, example: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.example = example


class NoDataError(UsageError):
    """The command needs data that is not loaded yet."""

    def __init__(self) -> None:
        super().__init__(
            "还没有数据：先运行 memberops init --demo 或 memberops import metrics FILE",
            "No data yet: run memberops init --demo or memberops import metrics FILE first",
            "memberops init --demo",
        )


class ShortHistoryUsageError(UsageError):
    """A forecast asked of fewer days of history than it needs (``core.planning.forecast.ShortHistoryError``)."""

    def __init__(self, days: int, needed: int, as_of: dt.date, example: str) -> None:
        super().__init__(
            f"预测需要至少 {needed} 天的历史数据：截至 {as_of} 只有 {days} 天",
            f"A forecast needs at least {needed} days of history: up to {as_of} there are {days}",
            example,
        )
