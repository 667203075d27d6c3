"""What a source's query returns, as frames in the cube's canonical shape (``core.cube``).

Dates become ``datetime64[ns]`` at midnight, measures ``float`` (NULL → NaN), the named text columns
``str``; a leaf frame is normalised like an imported cube.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.cube import DATE, MEASURES, normalise_cube
from storage.sources.queries import SET_COLUMN


def rows_frame(rows: list, columns: list[str]) -> pd.DataFrame:
    """Plain tuples (a DB-API cursor's rows) as a frame of object columns."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame(
        {name: np.asarray(column, dtype=object) for name, column in zip(columns, values, strict=True)}
    )


def result_frame(frame: pd.DataFrame | None, columns: list[str], text_columns: list[str]) -> pd.DataFrame:
    """``frame`` (None: no rows) with ``columns`` named and typed; ``text_columns`` as ``str``."""
    if frame is None:
        frame = rows_frame([], columns)
    frame = frame.set_axis(columns, axis=1)
    frame[DATE] = _days(frame[DATE])
    for measure in MEASURES:
        if measure in frame:
            frame[measure] = pd.to_numeric(frame[measure], errors="coerce").astype(float)
    for column in text_columns:
        frame[column] = frame[column].astype(str)
    if SET_COLUMN in frame:
        return frame
    return normalise_cube(frame, text_columns)


def _days(column: pd.Series) -> pd.Series:
    """A date column as ``datetime64[ns]`` at midnight: datetime64 and DATE values convert at once, text
    and timestamps through their first 10 characters."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.normalize().astype("datetime64[ns]")
    if len(column) and all(type(v) is dt.date for v in column.iloc[:1000]):
        try:
            return pd.Series(np.asarray(column.to_numpy(), dtype="datetime64[D]").astype("datetime64[ns]"))
        except (TypeError, ValueError):
            pass
    return pd.to_datetime(column.astype(str).str.slice(0, 10), format="%Y-%m-%d")
