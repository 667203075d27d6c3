"""A validated import file, ready to be stored."""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict

from core.importing.kinds import ImportKind


class ImportBatch(BaseModel):
    """``frame`` has canonical dtypes; ``dimensions`` lists the cube's dimension columns (metrics only)."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    kind: ImportKind
    frame: pd.DataFrame
    dimensions: list[str]
    encoding: str
    rows: int
