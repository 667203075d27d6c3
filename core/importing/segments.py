"""Audience segments: one row per segment with its size and behaviour."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator

from core.importing.row_models import Count, NonNegative, RowTableSpec, Share, Text
from core.importing.values import parse_price_sensitivity


class SegmentRow(BaseModel):
    segment: Text
    active_level: Text
    membership_status: Text
    size: Count
    content_preference: Text
    avg_watch_minutes: NonNegative
    price_sensitivity: Annotated[str, BeforeValidator(parse_price_sensitivity)]  # normalised to 高/中/低
    historical_cvr: Share  # 0–1; "3.2%" → 0.032
    avg_arpu_contribution: NonNegative


SEGMENTS = RowTableSpec(
    model=SegmentRow,
    key="segment",
    dtypes={
        "segment": "str",
        "active_level": "str",
        "membership_status": "str",
        "size": "int64",
        "content_preference": "str",
        "avg_watch_minutes": "float64",
        "price_sensitivity": "str",
        "historical_cvr": "float64",
        "avg_arpu_contribution": "float64",
    },
)
