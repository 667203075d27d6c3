"""Reading the campaign library: dates as dates, positions and content mixes as lists."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pandas as pd

from core.importing.content_mix import parse_content_mix

POSITION_SEPARATORS = re.compile(r"[|｜,，、;；]")


def normalise_campaigns(campaigns: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``start_date`` / ``end_date`` as ``datetime64`` normalised to midnight."""
    out = campaigns.copy()
    for column in ("start_date", "end_date"):
        out[column] = pd.to_datetime(out[column]).dt.normalize()
    return out


def campaign_record(campaigns: pd.DataFrame, campaign_id: str) -> dict[str, Any]:
    """One campaign as a plain dict (dates as ``date``, missing numbers as ``None``)."""
    rows = campaigns[campaigns["campaign_id"].astype(str) == campaign_id]
    if rows.empty:
        raise KeyError(campaign_id)
    return {key: _plain(value) for key, value in rows.iloc[0].to_dict().items()}


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def split_positions(text: str | None) -> list[str]:
    """``"首页位1|详情页推荐"`` → ``["首页位1", "详情页推荐"]``."""
    return [p.strip() for p in POSITION_SEPARATORS.split(text or "") if p.strip()]


def content_shares(text: str | None) -> dict[str, float]:
    """The content mix as fractions normalised to sum to 1 (empty or unreadable → empty)."""
    try:
        mix = parse_content_mix(text or "", check_sum=False)
    except ValueError:
        return {}
    total = sum(mix.values())
    return {name: share / total for name, share in mix.items()} if total > 0 else {}


def overlap_days(start: dt.date, end: dt.date, other_start: dt.date, other_end: dt.date) -> int:
    return max(0, (min(end, other_end) - max(start, other_start)).days + 1)
