"""How a team's table maps onto the cube: the date column, the dimension columns, the measure columns.

Read from ``METRICS_TABLE``, ``METRICS_DATE_COLUMN``, ``METRICS_DIMENSIONS`` and ``METRICS_MEASURES``, then
checked against the table's real columns, so a typo fails at start-up naming the setting, never as SQL
half-way through the morning scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.cube import MEASURES
from storage.sources.base import SourceError

ADDITIVE = "sum"
NON_ADDITIVE = ("distinct", "uv", "count_distinct")


@dataclass(frozen=True)
class CubeMapping:
    table: str  # as configured: "cube" or "schema.cube"
    date_column: str
    dimensions: tuple[str, ...]  # column names; they are also the cube's dimension names
    measures: dict[str, str]  # canonical measure -> column

    @property
    def schema(self) -> str | None:
        return self.table.rsplit(".", 1)[0] if "." in self.table else None

    @property
    def table_name(self) -> str:
        return self.table.rsplit(".", 1)[-1]


def parse_measures(text: str) -> dict[str, str]:
    """``dau=active_users,revenue=rev_yuan`` -> mapping; unnamed measures keep their canonical column.

    A measure marked ``:distinct`` (a distinct-user count) is refused: summing it across slices would add
    the same users twice, and the product never adds non-additive numbers silently.
    """
    mapping = {measure: measure for measure in MEASURES}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, column = item.partition("=")
        name = name.strip()
        column, _, kind = column.strip().partition(":")
        if not sep or not column or name not in MEASURES:
            raise SourceError(
                "METRICS_MEASURES",
                f"{item!r} is not measure=column with a measure of {', '.join(MEASURES)} "
                "(e.g. dau=active_users,revenue=rev_yuan)",
            )
        if kind.strip().lower() in NON_ADDITIVE:
            raise SourceError(
                "METRICS_MEASURES",
                f"{name} is marked {kind.strip()} (not additive across slices): slices and totals would need "
                "their own distinct counts from the warehouse, which this version does not read yet; map an "
                "additive column (e.g. user-days) or pre-aggregate the rollups",
            )
        if kind and kind.strip().lower() != ADDITIVE:
            raise SourceError("METRICS_MEASURES", f"{item!r}: the kind after ':' must be sum or distinct")
        mapping[name] = column
    return mapping


def resolve_mapping(
    table: str, date_column: str, dimensions: str, measures: str, columns: list[str]
) -> CubeMapping:
    """The mapping, checked against ``columns`` (the table's real ones, in table order)."""
    measure_columns = parse_measures(measures)
    known = set(columns)
    shown = ", ".join(columns)
    if date_column not in known:
        raise SourceError("METRICS_DATE_COLUMN", f"no column {date_column!r} in {table} (columns: {shown})")
    for name, column in measure_columns.items():
        if column not in known:
            setting = "METRICS_MEASURES"
            raise SourceError(
                setting, f"{name} maps to {column!r}, which is not a column of {table} (columns: {shown})"
            )
    taken = {date_column, *measure_columns.values()}
    if dimensions.strip():
        chosen = tuple(d.strip() for d in dimensions.split(",") if d.strip())
        for dimension in chosen:
            if dimension not in known:
                raise SourceError(
                    "METRICS_DIMENSIONS", f"no column {dimension!r} in {table} (columns: {shown})"
                )
            if dimension in taken:
                raise SourceError("METRICS_DIMENSIONS", f"{dimension!r} is the date or a measure column")
        if len(set(chosen)) != len(chosen):
            raise SourceError("METRICS_DIMENSIONS", "a column is named twice")
    else:
        chosen = tuple(c for c in columns if c not in taken)
    bad = sorted(set(chosen) & {*MEASURES, "date"})
    if bad:
        raise SourceError(
            "METRICS_DIMENSIONS",
            f"dimension column(s) {bad} carry the name of a measure or of the date; leave them out "
            "with METRICS_DIMENSIONS or map the measures with METRICS_MEASURES",
        )
    return CubeMapping(table, date_column, chosen, measure_columns)
