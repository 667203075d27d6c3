"""``memberops source check``: what a team runs first against its real warehouse.

Connects; reports the engine and version, the mapped columns, the date range and the rows of each of the
last 7 days; then runs one grouping query whose answer it knows — the warehouse's GROUPING SETS (or UNION
ALL) totals of the last day must equal the sum of the leaf rows it returns for that day. Every failure is a
:class:`SourceError` naming the setting at fault.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from core.cube import MEASURES
from core.cube_reader import grouping_sets
from storage.sources.base import DayRows, SourceError
from storage.sources.warehouse import WarehouseSource

RECENT_DAYS = 7


@dataclass
class SourceReport:
    source: str
    engine: str
    table: str
    date_column: str
    dimensions: list[str]
    measures: dict[str, str]
    first_day: dt.date
    last_day: dt.date
    rows: int
    recent: list[DayRows] = field(default_factory=list)
    grouping_check: str = ""

    def lines(self) -> list[str]:
        mapped = ", ".join(f"{m} ← {c}" for m, c in self.measures.items())
        recent = [f"  {d.date}  {d.rows:>9,} rows  DAU {d.dau:,.0f}" for d in self.recent]
        return [
            f"source:      {self.source}",
            f"engine:      {self.engine}",
            f"table:       {self.table}",
            f"date:        {self.date_column}",
            f"dimensions:  {', '.join(self.dimensions) or '(none: totals only)'}",
            f"measures:    {mapped}",
            f"dates:       {self.first_day} … {self.last_day} ({self.rows:,} rows)",
            f"last {len(self.recent)} days:",
            *recent,
            f"grouping:    {self.grouping_check}",
        ]


UNREACHABLE = "METRICS_SOURCE"  # the warehouse may be down for a while: the service still starts


def check_mapping_at_start(source: WarehouseSource) -> str | None:
    """At ``serve`` start-up: the table and its columns, so that a typo in a setting stops the start with its
    name instead of failing every morning. Raises ``SourceError`` for a wrong table or column; returns a
    warning (the service starts and keeps trying) when the warehouse cannot be reached."""
    try:
        source.mapping  # noqa: B018 - reflects the table and checks every mapped column
    except SourceError as error:
        if error.setting == UNREACHABLE:
            return f"the cube source cannot be checked now ({error}); commands will say so until it answers"
        raise
    return None


def check_source(source: WarehouseSource) -> SourceReport:
    engine = source.server_version()  # connects: host, user and password
    mapping = source.mapping  # the table and its columns
    first, last, rows = (span := source.date_range()).first, span.last, span.rows
    if last is None or first is None or rows == 0:
        raise SourceError("METRICS_TABLE", f"{mapping.table} has no rows: nothing to scan yet")
    report = SourceReport(
        source=source.shown_url,
        engine=engine,
        table=mapping.table,
        date_column=mapping.date_column,
        dimensions=list(mapping.dimensions),
        measures=dict(mapping.measures),
        first_day=first,
        last_day=last,
        rows=rows,
        recent=source.recent_days(RECENT_DAYS),
    )
    report.grouping_check = _grouping_check(source, last)
    return report


def _grouping_check(source: WarehouseSource, day: dt.date) -> str:
    """The warehouse's grouped sums of ``day`` against the same sums of its own leaf rows."""
    dimensions = source.dimensions()
    leaves = source.load_cube(day, day)
    warehouse = source.series(dimensions, day, day)
    expected = grouping_sets(leaves, dimensions)
    same_slices = len(warehouse) == len(expected) and (warehouse["value"] == expected["value"]).all()
    if not same_slices:
        raise SourceError(
            "METRICS_DIMENSIONS",
            f"the grouped query of {day} returned {len(warehouse)} slices, the leaf rows give {len(expected)}",
        )
    for measure in MEASURES:
        got, want = warehouse[measure].to_numpy(float), expected[measure].to_numpy(float)
        if not np.allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True):
            worst = int(np.nanargmax(np.abs(got - want)))
            raise SourceError(
                "METRICS_MEASURES",
                f"{measure} of {day}: the grouped query gives {got[worst]:,.4f}, the leaves sum to "
                f"{want[worst]:,.4f} (slice {warehouse['value'].iloc[worst] or 'total'})",
            )
    slices = int((warehouse["grouping_set"] > 0).sum())
    total = float(expected.loc[expected["grouping_set"] == 0, "dau"].sum())
    return (
        f"ok — {day}: total and {slices} one-dimension slices over {len(dimensions)} dimensions equal the sum "
        f"of {len(leaves):,} leaf rows (DAU {total:,.0f})"
    )
