"""The cube's questions as SQL expressions, one base builder and a small subclass per SQL dialect.

After Cube.dev's query builder and ThirdEye's per-datasource SQL: the base class writes standard SQL with
SQLAlchemy Core (identifiers quoted by the dialect, every value a bound parameter, only ever ``SELECT``);
a dialect overrides only what it does differently. Aggregation is pushed down: the warehouse sums the
measures per day and per grouping set, and the product receives sums, never raw rows to add up.

* ``leaves`` — one row per day per combination of the mapped dimensions (a table with more columns than
  the mapping names, or several rows per combination, is summed here).
* ``series`` — the total and one-dimension slices per day in one statement: ``GROUPING SETS`` with a
  one-argument ``GROUPING()`` per dimension (PostgreSQL, StarRocks, Doris); engines without
  grouping sets (MySQL, MariaDB) get a ``UNION ALL`` of plain ``GROUP BY``\\ s with the same columns.
* ``recent_days`` / ``date_range`` — freshness and the loaded range.

A measure sum is NULL when any summed row has a NULL measure (``SUM`` alone would silently skip it), the
same rule as the embedded store's frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import (
    Date,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from storage.sources.mapping import CubeMapping

SET_COLUMN = "grouping_set"  # which grouping set a series row belongs to: 0 = total, i = dimension i-1


class CubeQueries:
    """Standard SQL (PostgreSQL's flavour); subclasses adjust for their engine."""

    grouping_sets = True
    order_leaves = False  # leaves by day only (the engine's order within a day is stable)
    date_is_text = False  # the date column holds 'YYYY-MM-DD' text
    date_is_timestamp = False

    def __init__(self, table: Table, mapping: CubeMapping) -> None:
        self.table = table
        self.mapping = mapping
        date_type = table.c[mapping.date_column].type
        self.date_is_text = isinstance(date_type, String)
        self.date_is_timestamp = not self.date_is_text and not _is_plain_date(date_type)

    # -- building blocks ----------------------------------------------------------------------------------
    def day(self) -> ColumnElement:
        column = self.table.c[self.mapping.date_column]
        return cast(column, Date) if self.date_is_timestamp else column

    def day_value(self, day: dt.date) -> object:
        return day.isoformat() if self.date_is_text else day

    def dimension(self, name: str) -> ColumnElement:
        column = self.table.c[name]
        text = column if isinstance(column.type, String) else cast(column, String)
        # a constant, not a parameter: the select list and GROUP BY must hold the very same expression
        return func.coalesce(text, literal_column("'(null)'"))

    def measure_sum(self, measure: str) -> ColumnElement:
        column = self.table.c[self.mapping.measures[measure]]
        return case((func.count(column) < func.count(), null()), else_=func.sum(column)).label(measure)

    def measure_sums(self) -> list[ColumnElement]:
        return [self.measure_sum(m) for m in self.mapping.measures]

    def window(self, query: Select, start: dt.date | None, end: dt.date | None) -> Select:
        column = self.table.c[self.mapping.date_column]
        if start is not None:
            query = query.where(column >= self.day_value(start))
        if end is not None:  # timestamps: everything before the next midnight
            last = end + dt.timedelta(days=1) if self.date_is_timestamp else end
            query = query.where(column < last if self.date_is_timestamp else column <= self.day_value(last))
        return query

    # -- the questions ------------------------------------------------------------------------------------
    def leaves(
        self,
        start: dt.date | None,
        end: dt.date | None,
        days: Sequence[dt.date] | None = None,
        dimensions: Sequence[str] | None = None,
    ) -> Select:
        """Leaf rows of the window, or only of ``days`` (the few days root causes need); summed down to
        ``dimensions`` when given (a subset of the mapped ones, in their order)."""
        day = self.day().label("date")
        kept = (
            self.mapping.dimensions
            if dimensions is None
            else [d for d in self.mapping.dimensions if d in dimensions]
        )
        dimensions = [self.dimension(d).label(d) for d in kept]
        query = self.window(select(day, *dimensions, *self.measure_sums()), start, end)
        query = self._days(query, days)
        keys = [c.element for c in (day, *dimensions)]
        return query.group_by(*keys).order_by(*(keys if self.order_leaves else keys[:1]))

    def _on_days(self, days: Sequence[dt.date]) -> ColumnElement:
        column = self.table.c[self.mapping.date_column]
        if not self.date_is_timestamp:
            return column.in_([self.day_value(d) for d in days])
        return or_(*(and_(column >= d, column < d + dt.timedelta(days=1)) for d in days))

    def series(
        self,
        dimensions: Sequence[str],
        start: dt.date | None,
        end: dt.date | None,
        days: Sequence[dt.date] | None = None,
    ) -> Select:
        """Total and one-dimension slices per day, of the window or only of ``days``.
        Columns: date, grouping_set, value, rows (summed rows), measures."""
        if not self.grouping_sets:
            return self._series_union(dimensions, start, end, days)
        day = self.day()
        keys = [self.dimension(d) for d in dimensions]
        flags = [func.grouping(key) == 0 for key in keys]  # GROUPING() is 0 for the set's own key
        which = (
            _constant(0)
            if not keys
            else case(*((flag, _constant(i)) for i, flag in enumerate(flags, start=1)), else_=_constant(0))
        )
        value = _constant("") if not keys else case(*zip(flags, keys, strict=True), else_=_constant(""))
        query = select(
            day.label("date"), which.label(SET_COLUMN), value.label("value"), *self._counted_sums()
        )
        query = self._days(self.window(query, start, end), days)
        sets = [tuple_(day), *(tuple_(day, key) for key in keys)]
        return query.group_by(func.grouping_sets(*sets))

    def _series_union(
        self,
        dimensions: Sequence[str],
        start: dt.date | None,
        end: dt.date | None,
        days: Sequence[dt.date] | None,
    ) -> Select:
        day = self.day()
        total = select(
            day.label("date"),
            _constant(0).label(SET_COLUMN),
            _constant("").label("value"),
            *self._counted_sums(),
        )
        parts = [self._days(self.window(total, start, end), days).group_by(day)]
        for i, name in enumerate(dimensions, start=1):
            key = self.dimension(name)
            part = select(
                day.label("date"), _constant(i).label(SET_COLUMN), key.label("value"), *self._counted_sums()
            )
            parts.append(self._days(self.window(part, start, end), days).group_by(day, key))
        return union_all(*parts).subquery("series").select()

    def _counted_sums(self) -> list[ColumnElement]:
        return [func.count().label("rows"), *self.measure_sums()]

    def _days(self, query: Select, days: Sequence[dt.date] | None) -> Select:
        return query if days is None else query.where(self._on_days(days))

    def scoped_daily(
        self, scope: dict[str, str], start: dt.date | None, end: dt.date | None, by: str | None = None
    ) -> Select:
        """Measure sums per day inside ``scope`` (dimension = value, all bound): a trend of any slice;
        with ``by``, per day and value of that dimension (column ``value``): a breakdown of the slice."""
        day = self.day().label("date")
        keys = [day] if by is None else [day, self.dimension(by).label("value")]
        query = select(*keys, *self.measure_sums())
        for name, value in scope.items():
            column = self.table.c[name]
            plain = isinstance(column.type, String) and value != "(null)"
            query = query.where((column if plain else self.dimension(name)) == value)
        groups = [key.element for key in keys]
        return self.window(query, start, end).group_by(*groups).order_by(*groups)

    def recent_days(self, since: dt.date) -> Select:
        day = self.day().label("date")
        dau = self.table.c[self.mapping.measures["dau"]]
        query = select(day, func.count().label("rows"), func.sum(dau).label("dau"))
        return self.window(query, since, None).group_by(day.element).order_by(day.element)

    def date_range(self) -> Select:
        column = self.table.c[self.mapping.date_column]
        return select(func.min(column), func.max(column), func.count())

    def span(self) -> Select:
        """First and last day: answered from the date column's index, unlike COUNT(*)."""
        column = self.table.c[self.mapping.date_column]
        return select(func.min(column), func.max(column))


class UnionAllQueries(CubeQueries):
    """MySQL and MariaDB: no GROUPING SETS (only WITH ROLLUP), so the sets are a UNION ALL."""

    grouping_sets = False


class StarRocksQueries(CubeQueries):
    """StarRocks (MySQL protocol, MySQL quoting): GROUPING SETS and GROUPING() as in standard SQL."""


class DorisQueries(CubeQueries):
    """Apache Doris (MySQL protocol, MySQL quoting): GROUPING SETS and GROUPING() as in standard SQL."""


class DuckDBQueries(CubeQueries):
    """DuckDB over the embedded store's files: standard SQL; its parallel aggregation returns a day's leaves in
    any order, so they are sorted (the same cube must give the same frame, to the last bit of every sum)."""

    order_leaves = True


class ClickHouseQueries(CubeQueries):
    """ClickHouse: GROUPING SETS and the standard GROUPING() (its default since 22.9); an aggregated-away
    key reads as the type's default, never seen here since the set's own key is chosen with GROUPING()."""


QUERIES: dict[str, type[CubeQueries]] = {
    "postgresql": CubeQueries,
    "mysql": UnionAllQueries,
    "mariadb": UnionAllQueries,
    "starrocks": StarRocksQueries,
    "doris": DorisQueries,
    "clickhouse": ClickHouseQueries,
}


def _constant(value: int | str) -> ColumnElement:
    """A constant of our own (never user input) written into the SQL, so that engines which compare select
    and GROUP BY expressions textually see the same text."""
    return literal_column(str(value) if isinstance(value, int) else f"'{value}'")


def _is_plain_date(column_type: object) -> bool:
    try:
        return column_type.python_type is dt.date  # type: ignore[attr-defined]
    except NotImplementedError:
        return False
