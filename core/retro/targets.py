"""Reading ``/retro [活动ID | 起止日期]`` into a :class:`RetroTarget`.

Accepted, in this order:

* nothing → the latest campaign that has finished (ended before ``today``);
* a campaign id (``C2026001``, ``R20261001-20261007``; case-insensitive);
* relative periods: ``上周``/``last week`` (Monday–Sunday of the previous ISO week), ``本周``/``this week``
  (Monday to yesterday), ``上月``/``上个月``/``last month``, ``最近N天``/``近N天``/``last N days`` (ending
  yesterday);
* one or two dates (``2026-10-01 2026-10-07``, ``2026-10-01~2026-10-07``, ``2026/10/01至2026/10/07``,
  ``2026年10月1日``, ``20261001``); one date is a one-day range.

Anything else raises :class:`RetroParseError` with a zh and an en message and examples.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from core.retro.campaigns import normalise_campaigns
from core.retro.models import RetroTarget

DATE_PATTERN = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<m2>\d{2})(?P<d2>\d{2}))(?!\d)"
)
ID_PATTERN = re.compile(r"^[A-Za-z]{1,3}\d{4,}[\w-]*$")
LAST_N_DAYS = re.compile(
    r"^(?:最近|近|过去)(?P<n>\d{1,3})天$|^last\s+(?P<n2>\d{1,3})\s+days?$", re.IGNORECASE
)
EXAMPLES = (
    "/mo-retro C2026001 · /mo-retro 2026-10-01 2026-10-07 · /mo-retro 2026-10-01~2026-10-07 · /mo-retro 上周"
)
VALID_ID_SAMPLE = 5


class RetroParseError(ValueError):
    """The arguments could not be read; ``zh`` and ``en`` are messages for the user."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh}\n{en}")
        self.zh, self.en = zh, en

    def message(self, language: str = "zh") -> str:
        return self.zh if language == "zh" else self.en


def parse_retro_args(text: str, campaigns: pd.DataFrame, today: dt.date) -> RetroTarget:
    """Parse the arguments of ``/retro`` relative to ``today`` (the caller's local date)."""
    argument = (text or "").strip()
    library = normalise_campaigns(campaigns)
    if not argument:
        return _latest_finished(library, today)
    by_id = {str(i).upper(): str(i) for i in library["campaign_id"]}
    if argument.upper() in by_id:
        return _campaign_target(library, by_id[argument.upper()])
    relative = _relative_period(argument, today)
    if relative is not None:
        return _range(*relative, today)
    dates = _dates(argument)
    if dates:
        if len(dates) > 2:
            raise RetroParseError(
                f"最多给两个日期（开始、结束）。示例：{EXAMPLES}", f"Give at most two dates. E.g. {EXAMPLES}"
            )
        return _range(dates[0], dates[-1], today)
    if ID_PATTERN.match(argument):
        sample = ", ".join(_recent_ids(library))
        raise RetroParseError(
            f"找不到活动 {argument}。可用的活动ID例如：{sample}",
            f"No campaign {argument}. Valid ids include: {sample}",
        )
    raise RetroParseError(
        f"看不懂“{argument}”：请给活动ID或起止日期。示例：{EXAMPLES}",
        f"Cannot read '{argument}': give a campaign id or a date range. E.g. {EXAMPLES}",
    )


def _latest_finished(library: pd.DataFrame, today: dt.date) -> RetroTarget:
    finished = library[library["end_date"] < pd.Timestamp(today)]
    if finished.empty:
        raise RetroParseError(
            f"还没有已结束的活动可复盘，请指定起止日期。示例：{EXAMPLES}",
            f"No finished campaign to review yet; give a date range. E.g. {EXAMPLES}",
        )
    latest = finished.sort_values(["end_date", "start_date"], kind="stable").iloc[-1]
    return _campaign_target(library, str(latest["campaign_id"]))


def _campaign_target(library: pd.DataFrame, campaign_id: str) -> RetroTarget:
    row = library[library["campaign_id"].astype(str) == campaign_id].iloc[0]
    return RetroTarget(
        kind="campaign", campaign_id=campaign_id, start=row["start_date"].date(), end=row["end_date"].date()
    )


def _recent_ids(library: pd.DataFrame) -> list[str]:
    recent = library.sort_values("start_date", ascending=False, kind="stable").head(VALID_ID_SAMPLE)
    return [str(i) for i in recent["campaign_id"]]


def _relative_period(argument: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    word = argument.lower().replace("  ", " ")
    this_monday = today - dt.timedelta(days=today.weekday())
    if word in ("上周", "上星期", "last week"):
        return this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)
    if word in ("本周", "这周", "this week"):
        return this_monday, today - dt.timedelta(days=1)
    if word in ("上月", "上个月", "last month"):
        last_month_end = today.replace(day=1) - dt.timedelta(days=1)
        return last_month_end.replace(day=1), last_month_end
    match = LAST_N_DAYS.match(word)
    if match:
        days = int(match["n"] or match["n2"])
        return today - dt.timedelta(days=days), today - dt.timedelta(days=1)
    return None


def _dates(argument: str) -> list[dt.date]:
    dates = []
    for match in DATE_PATTERN.finditer(argument):
        year, month, day = int(match["y"]), int(match["m"] or match["m2"]), int(match["d"] or match["d2"])
        try:
            dates.append(dt.date(year, month, day))
        except ValueError:
            raise RetroParseError(f"日期不存在：{match[0]}", f"Not a valid date: {match[0]}") from None
    return dates


def _range(start: dt.date, end: dt.date, today: dt.date) -> RetroTarget:
    if end < start:
        raise RetroParseError(
            f"结束日期 {end} 早于开始日期 {start}。示例：{EXAMPLES}",
            f"End {end} is before start {start}. E.g. {EXAMPLES}",
        )
    if start >= today:
        raise RetroParseError(
            f"{start} 还没有数据（今天是 {today}），只能复盘过去的日期。",
            f"There is no data for {start} yet (today is {today}); a retro looks at past dates.",
        )
    return RetroTarget(kind="range", start=start, end=end)
