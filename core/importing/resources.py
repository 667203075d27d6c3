"""Resource positions (首页位, 详情页推荐, …): capacity, cost and elasticity of each."""

from __future__ import annotations

from pydantic import BaseModel

from core.importing.row_models import NonNegative, RowTableSpec, Share, Text


class ResourceRow(BaseModel):
    position: Text
    max_capacity: Share  # 0–1; "80%" → 0.8
    cost_per_10k: NonNegative
    elasticity: NonNegative


RESOURCES = RowTableSpec(
    model=ResourceRow,
    key="position",
    dtypes={"position": "str", "max_capacity": "float64", "cost_per_10k": "float64", "elasticity": "float64"},
)
