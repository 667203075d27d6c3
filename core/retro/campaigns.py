"""Reading the campaign library: dates as dates, one campaign as a plain record, overlapping days.

Position lists and content mixes are read by :mod:`core.importing` (``split_positions``,
``content_shares``); they are re-exported here for callers that still import them from this module.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from core.importing import content_shares, split_positions

__all__ = [
    "campaign_record",
    "content_shares",
    "normalise_campaigns",
    "overlap_days",
    "split_positions",
]


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


def overlap_days(start: dt.date, end: dt.date, other_start: dt.date, other_end: dt.date) -> int:
    return max(0, (min(end, other_end) - max(start, other_start)).days + 1)
