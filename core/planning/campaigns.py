"""Past campaigns as the planning code needs them: parsed content mix, position sets, duration, numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.importing import read_content_mix, split_positions

DEFAULT_DURATION_DAYS = 14
NUMERIC_COLUMNS = ("budget_planned", "budget_used", "target_arpu_lift", "revenue_lift", "arpu_lift", "roi")


def prepare_campaigns(campaigns: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``mix`` (dict of fractions), ``position_set``, ``duration_days`` and float outcomes.

    An unreadable content mix becomes ``{}`` (it then simply matches nothing) rather than an error: the
    import step has already reported it.
    """
    out = campaigns.copy()
    out["campaign_id"] = out["campaign_id"].astype(str)
    out["mix"] = [read_content_mix(text) for text in out.get("content_mix", pd.Series(dtype=object))]
    out["position_set"] = [
        frozenset(split_positions(text)) for text in out.get("resource_positions", pd.Series(dtype=object))
    ]
    for column in NUMERIC_COLUMNS:
        values = out[column] if column in out else pd.Series(np.nan, index=out.index)
        out[column] = pd.to_numeric(values, errors="coerce").astype(float)
    start = pd.to_datetime(out["start_date"], errors="coerce")
    end = pd.to_datetime(out["end_date"], errors="coerce")
    duration = (end - start).dt.days + 1
    out["duration_days"] = duration.where(duration > 0, DEFAULT_DURATION_DAYS).fillna(DEFAULT_DURATION_DAYS)
    out["duration_days"] = out["duration_days"].astype(int)
    out["target_segment"] = out["target_segment"].astype(str)
    return out
