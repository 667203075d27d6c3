"""A warehouse's grouped series, kept in our database so that a morning aggregates only what changed.

Grouping a year of a big cube costs a warehouse a minute (36.5 M rows in PostgreSQL: about 60 s) and the
answer barely changes from one day to the next. The series are therefore kept per day
(``cube_series_cache``, keyed by the source's identity: URL without password, table and mapping), and
a request for a window asks the warehouse only for

* the days of the window not read before (the first time: the whole window, a month per query, newest
  first, each block kept as soon as it is read), and
* the recent days (``RECHECK_DAYS``) whose row count or DAU moved since they were read — a late or
  restated load.

Older restatements are not noticed (warehouses restate their recent partitions); ``memberops source check``
and a change of mapping start afresh. A day read without data gets a marker row (``grouping_set`` -1), so
that a gap is not asked for every morning.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import and_, delete, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from core.cube import DATE, MEASURES
from core.cube_reader import SET
from storage.db import as_date
from storage.sources.warehouse import WarehouseSource
from storage.tables import CubeSeriesCache

logger = logging.getLogger(__name__)

RECHECK_DAYS = 8
BLOCK_DAYS = 31  # the first read of a year goes month by month: each query stays well inside the timeout,
# and what was read is kept even if a later block times out (the next request goes on from there)
READ_MARK = -1
TABLE = CubeSeriesCache.__table__  # type: ignore[attr-defined]


class SeriesCache:
    def __init__(self, engine: Engine, source: WarehouseSource) -> None:
        self.engine = engine
        self.source = source
        self.fetched: list[tuple[dt.date, dt.date, int]] = []  # (first, last, days) asked of the warehouse

    def series(self, dimensions: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
        key = self.source.identity
        read = self._read_days(key, start, end)
        recent = {d.date: (d.rows, d.dau) for d in self.source.recent_days(RECHECK_DAYS)}
        moved = [
            day for day, stats in recent.items() if start <= day <= end and not _same(read.get(day), stats)
        ]
        before = len(self.fetched)
        unread = _spans([start + dt.timedelta(days=i) for i in range((end - start).days + 1)], read, recent)
        for first, last in unread:
            self._store(key, first, last, self.source.series(dimensions, first, last), None)
            self.fetched.append((first, last, (last - first).days + 1))
        if moved:
            self._store(key, min(moved), max(moved), self.source.series(dimensions, days=moved), moved)
            self.fetched.append((min(moved), max(moved), len(moved)))
        if unread or moved:
            logger.info(
                "series of %s: read %s from the warehouse", self.source.mapping.table, self.fetched[before:]
            )
        return self._load(key, start, end)

    # -- reading and writing the cache ---------------------------------------------------------------------
    def _read_days(self, key: str, start: dt.date, end: dt.date) -> dict[dt.date, tuple[int, float]]:
        """Days already read: their row count and DAU (from the marker and the total)."""
        query = select(TABLE.c.date, TABLE.c.grouping_set, TABLE.c.rows, TABLE.c.dau).where(
            and_(TABLE.c.source_key == key, TABLE.c.date.between(start, end), TABLE.c.grouping_set <= 0)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        marks = {as_date(d): n for d, s, n, _ in rows if s == READ_MARK}
        totals = {as_date(d): float(dau or 0.0) for d, s, _, dau in rows if s == 0}
        return {day: (n, totals.get(day, 0.0)) for day, n in marks.items()}

    def _store(
        self, key: str, first: dt.date, last: dt.date, series: pd.DataFrame, days: Sequence[dt.date] | None
    ) -> None:
        """Replace what is kept of ``days`` (default: every day of ``first``…``last``) in one transaction."""
        covered = (
            days
            if days is not None
            else [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        )
        totals = series[series[SET] == 0].set_index(DATE)["rows"]
        records = [
            {
                "source_key": key,
                "date": row[DATE].date(),
                "grouping_set": int(row[SET]),
                "value": str(row["value"]),
                "rows": int(row["rows"]),
                **{m: _number(row[m]) for m in MEASURES},
            }
            for row in series.to_dict("records")
        ]
        marks = [
            {
                "source_key": key,
                "date": day,
                "grouping_set": READ_MARK,
                "value": "",
                "rows": int(totals.get(pd.Timestamp(day), 0)),
                **dict.fromkeys(MEASURES),
            }
            for day in covered
        ]
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(TABLE).where(and_(TABLE.c.source_key == key, TABLE.c.date.in_(list(covered))))
                )
                for start in range(0, len(records) + len(marks), 5000):
                    chunk = (records + marks)[start : start + 5000]
                    connection.execute(insert(TABLE), chunk)
        except IntegrityError:  # another process stored the same days meanwhile: theirs is as good
            logger.info("series cache: %s…%s stored by another process", first, last)

    def _load(self, key: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        columns = [
            TABLE.c.date,
            TABLE.c.grouping_set,
            TABLE.c.value,
            TABLE.c.rows,
            *(TABLE.c[m] for m in MEASURES),
        ]
        query = select(*columns).where(
            and_(TABLE.c.source_key == key, TABLE.c.date.between(start, end), TABLE.c.grouping_set >= 0)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        frame = pd.DataFrame(rows, columns=[DATE, SET, "value", "rows", *MEASURES])
        frame[DATE] = pd.to_datetime(frame[DATE].astype(str).str.slice(0, 10), format="%Y-%m-%d")
        for measure in MEASURES:
            frame[measure] = frame[measure].astype(float)
        return frame.sort_values([SET, "value", DATE], ignore_index=True)


def _spans(
    days: list[dt.date], read: dict[dt.date, tuple[int, float]], recent: dict[dt.date, tuple[int, float]]
) -> list[tuple[dt.date, dt.date]]:
    """Runs of at most ``BLOCK_DAYS`` consecutive days neither read before nor among the recent days
    (those are rechecked), newest first: the days a scan needs most are read first."""
    spans: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if day in read or day in recent:
            continue
        last = spans[-1] if spans else None
        if last and last[1] == day - dt.timedelta(days=1) and (day - last[0]).days < BLOCK_DAYS:
            spans[-1] = (last[0], day)
        else:
            spans.append((day, day))
    return spans[::-1]


def _same(kept: tuple[int, float] | None, now: tuple[int, float]) -> bool:
    return (
        kept is not None and kept[0] == now[0] and math.isclose(kept[1], now[1], rel_tol=1e-9, abs_tol=1e-6)
    )


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number
