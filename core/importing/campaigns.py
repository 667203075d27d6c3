"""Past campaigns: what was run, for whom, with which resources, and what it achieved."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ValidationInfo, field_validator

from core.importing.content_mix import parse_content_mix
from core.importing.positions import POSITION_JOINER, split_positions
from core.importing.row_models import (
    Date,
    Fraction,
    NonNegative,
    Number,
    OptionalFraction,
    OptionalNonNegative,
    OptionalText,
    RowTableSpec,
    Text,
)
from core.importing.values import parse_text, quoted


def parse_content_mix_cell(value: object) -> str:
    """A content mix such as ``家庭剧70%+动漫30%``: checked with ``parse_content_mix``, kept as written."""
    text = parse_text(value)
    parse_content_mix(text)
    return text


def parse_resource_positions(value: object) -> str:
    """Positions as :func:`split_positions` reads them, normalised to ``首页位1|详情页推荐``."""
    text = parse_text(value)
    positions = split_positions(text)
    if not positions:
        raise ValueError(f"no resource position in {quoted(text)}")
    return POSITION_JOINER.join(positions)


class CampaignRow(BaseModel):
    campaign_id: Text
    name: Text
    start_date: Date
    end_date: Date
    strategy_tag: Text
    target_segment: Text
    content_mix: Annotated[str, BeforeValidator(parse_content_mix_cell)]
    resource_positions: Annotated[str, BeforeValidator(parse_resource_positions)]
    discount: Text  # free text as the team writes it ("8折", "首月9.9元")
    budget_planned: OptionalNonNegative = None
    budget_used: NonNegative
    target_arpu_lift: OptionalFraction = None
    revenue_lift: Fraction  # "12%" → 0.12
    arpu_lift: Fraction
    roi: Number
    success_factors: OptionalText = None
    notes: OptionalText = None

    @field_validator("end_date")
    @classmethod
    def _ends_after_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start_date")
        if start is not None and end < start:
            raise ValueError(f"must be on or after start_date ({start.isoformat()})")
        return end


CAMPAIGNS = RowTableSpec(
    model=CampaignRow,
    key="campaign_id",
    dtypes={
        "campaign_id": "str",
        "name": "str",
        "start_date": "datetime64[ns]",
        "end_date": "datetime64[ns]",
        "strategy_tag": "str",
        "target_segment": "str",
        "content_mix": "str",
        "resource_positions": "str",
        "discount": "str",
        "budget_planned": "float64",
        "budget_used": "float64",
        "target_arpu_lift": "float64",
        "revenue_lift": "float64",
        "arpu_lift": "float64",
        "roi": "float64",
        "success_factors": "str",
        "notes": "str",
    },
)
