"""Per-row validation of the small tables (segments, campaigns, resources) with pydantic models.

Each kind declares a pydantic model whose fields are the file's columns. Field types are ``Annotated``
with a ``BeforeValidator`` from :mod:`core.importing.values`, so the model receives raw cell text and the
error a user sees is the parser's own sentence. A field with a default is optional: its column may be
missing from the header and its cells may be empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ValidationError

from core.importing.collector import ProblemCollector
from core.importing.table import RawTable
from core.importing.values import (
    EMPTY_CELL,
    optional,
    parse_count,
    parse_date,
    parse_fraction,
    parse_non_negative,
    parse_number,
    parse_share,
    parse_text,
)

Text = Annotated[str, BeforeValidator(parse_text)]
OptionalText = Annotated[str | None, BeforeValidator(optional(parse_text))]
Count = Annotated[int, BeforeValidator(parse_count)]
Number = Annotated[float, BeforeValidator(parse_number)]
NonNegative = Annotated[float, BeforeValidator(parse_non_negative)]
OptionalNonNegative = Annotated[float | None, BeforeValidator(optional(parse_non_negative))]
Fraction = Annotated[float, BeforeValidator(parse_fraction)]
OptionalFraction = Annotated[float | None, BeforeValidator(optional(parse_fraction))]
Share = Annotated[float, BeforeValidator(parse_share)]
Date = Annotated[dt.date, BeforeValidator(parse_date)]


@dataclass(frozen=True)
class RowTableSpec:
    """How one small table is validated: its row model, its key column and its canonical dtypes."""

    model: type[BaseModel]
    key: str
    dtypes: Mapping[str, str]

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)

    @property
    def required(self) -> list[str]:
        return [name for name, field in self.model.model_fields.items() if field.is_required()]


def validate_rows(table: RawTable, spec: RowTableSpec, collector: ProblemCollector) -> pd.DataFrame:
    """Validate each row with ``spec.model``; keys must be unique. Returns the typed frame of valid rows."""
    records: list[dict[str, Any]] = []
    first_row_of_key: dict[Any, int] = {}
    cells = table.cells.to_dict(orient="records")
    for row, values in zip(table.rows.tolist(), cells, strict=True):
        try:
            record = spec.model.model_validate(values).model_dump()
        except ValidationError as error:
            for column, reason in _reasons(error):
                collector.add(row, column, reason)
            continue
        key = record[spec.key]
        if key in first_row_of_key:
            collector.add(row, spec.key, f"duplicate of row {first_row_of_key[key]}")
            continue
        first_row_of_key[key] = row
        records.append(record)
    return _typed_frame(records, spec)


def _reasons(error: ValidationError) -> list[tuple[str, str]]:
    """Pydantic errors as (column, reason): a parser's ``ValueError`` message is shown as is."""
    reasons = []
    for detail in error.errors(include_url=False):
        column = str(detail["loc"][0]) if detail["loc"] else ""
        if detail["type"] == "value_error":
            reason = str(detail["ctx"]["error"])
        elif detail["type"] == "missing":
            reason = EMPTY_CELL
        else:
            reason = detail["msg"]
        reasons.append((column, reason))
    return reasons


def _typed_frame(records: list[dict[str, Any]], spec: RowTableSpec) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=spec.columns)
    for column, dtype in spec.dtypes.items():
        if dtype == "datetime64[ns]":
            frame[column] = pd.to_datetime(frame[column]).astype(dtype)
        else:
            frame[column] = frame[column].astype(dtype)
    return frame
