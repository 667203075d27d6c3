"""The embedded cube as date-partitioned Parquet files, listed in the application database.

Each day of the cube is one immutable Parquet file (``date``, the dimension columns, the measures) in the
cube directory; ``cube_partition`` lists the current file of every day with its rows and DAU. An import
writes the files of the days it touches (a day already stored is merged: the file's rows replace the stored
rows of the same combination, the others stay), then swaps the list in one transaction: a reader sees the
old days or the new ones, never half an import, and a refused or failed import changes nothing. Importing
one new day writes one file; the year is neither rewritten nor read.

Files that left the list are deleted by a later import once they are ``GRACE_S`` old, so that a query
started on the old list (``memberops serve`` reads while an import runs) can still open them.

Where the files are: next to a SQLite database (``data/memberops.db`` → ``data/memberops-cube/``); with a
PostgreSQL application database, ``./data/cube-<database>`` (run import and serve from the same directory).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection, Engine

from core.cube import DATE, MEASURES
from storage.db import as_date, is_sqlite
from storage.tables import CubeDimension, CubePartition

GRACE_S = 3600.0  # an unlisted file is kept this long for queries that started before the swap
SUFFIX = ".parquet"


class DimensionMismatch(ValueError):
    """The file's dimensions differ from the stored cube's; importing would mix two cubes."""


class ConcurrentImport(RuntimeError):
    """Another import changed the same days while this one was writing; nothing of this one was kept."""


@dataclass(frozen=True)
class Partition:
    date: dt.date
    file: str
    rows: int
    dau: float | None


def cube_directory(engine: Engine) -> Path:
    url = engine.url
    if is_sqlite(engine):
        database = Path(url.database or "memberops.db")
        return database.with_name(f"{database.stem}-cube")
    return Path("data") / f"cube-{url.database}"


class CubeFiles:
    def __init__(self, engine: Engine, directory: Path | None = None) -> None:
        self.engine = engine
        self.directory = directory or cube_directory(engine)

    # -- reading the list -------------------------------------------------------------------------------------
    def partitions(self, start: dt.date | None = None, end: dt.date | None = None) -> list[Partition]:
        query = select(CubePartition.date, CubePartition.file, CubePartition.rows, CubePartition.dau)
        if start is not None:
            query = query.where(CubePartition.date >= start)
        if end is not None:
            query = query.where(CubePartition.date <= end)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(CubePartition.date)).all()
        return [Partition(as_date(d), f, int(n), dau) for d, f, n, dau in rows]  # type: ignore[arg-type]

    def path(self, partition: Partition) -> Path:
        return self.directory / partition.file

    def dimensions(self) -> list[str]:
        with self.engine.connect() as connection:
            return _stored_dimensions(connection)

    # -- writing -------------------------------------------------------------------------------------------
    def write(self, frame: pd.DataFrame, dimensions: Sequence[str], *, replace: bool = False) -> int:
        """Store validated cube rows (``date``, ``dimensions``, measures); returns the rows written.

        ``replace`` drops the stored cube (needed when the dimension set changes). Raises
        :class:`DimensionMismatch` before writing anything when the dimensions differ from the stored ones.
        """
        dimensions = list(dimensions)
        with self.engine.connect() as connection:
            _check_dimensions(connection, dimensions, replace=replace)
        frame = _cube_rows(frame, dimensions)
        days = sorted(frame[DATE].dt.date.unique()) if len(frame) else []
        before = {} if replace or not days else {p.date: p for p in self.partitions(days[0], days[-1])}
        self.directory.mkdir(parents=True, exist_ok=True)
        written: list[Partition] = []
        try:
            for day, rows in frame.groupby(frame[DATE].dt.date, sort=True):
                stored = before.get(day)
                if stored is not None:
                    rows = _merged(self._read(stored), rows, dimensions)
                written.append(self._write_day(day, rows))
            self._swap(written, before, dimensions, replace=replace)
        except BaseException:
            for partition in written:  # nobody lists them: remove now rather than after the grace time
                self.path(partition).unlink(missing_ok=True)
            raise
        self.collect_garbage()
        return len(frame)

    def _read(self, partition: Partition) -> pd.DataFrame:
        return pq.read_table(self.path(partition)).to_pandas()

    def _write_day(self, day: dt.date, rows: pd.DataFrame) -> Partition:
        name = f"{day:%Y/%m}/{day.isoformat()}.{secrets.token_hex(6)}{SUFFIX}"
        target = self.directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False)
        table = table.set_column(0, DATE, pa.array(rows[DATE].to_numpy().astype("datetime64[D]")))
        partial = target.with_suffix(".tmp")
        pq.write_table(table, partial, compression="zstd")
        partial.rename(target)  # a file in the directory is always whole
        dau = float(rows["dau"].sum(min_count=1)) if rows["dau"].notna().all() else None
        return Partition(day, name, len(rows), dau)

    def _swap(
        self,
        written: list[Partition],
        before: dict[dt.date, Partition],
        dimensions: list[str],
        *,
        replace: bool,
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as connection:
            if replace:
                connection.execute(delete(CubePartition))
                connection.execute(delete(CubeDimension))
            _check_dimensions(connection, dimensions, replace=False, record=True)
            days = [p.date for p in written]
            current = {
                as_date(d): f
                for d, f in connection.execute(
                    select(CubePartition.date, CubePartition.file).where(CubePartition.date.in_(days))
                )
            }
            if not replace and current != {d: p.file for d, p in before.items()}:
                raise ConcurrentImport(
                    "another import changed the same days meanwhile; nothing of this file was kept — run it again"
                )
            connection.execute(delete(CubePartition).where(CubePartition.date.in_(days)))
            if written:
                connection.execute(
                    CubePartition.__table__.insert(),  # type: ignore[attr-defined]
                    [
                        {"date": p.date, "file": p.file, "rows": p.rows, "dau": p.dau, "written_at": now}
                        for p in written
                    ],
                )

    def collect_garbage(self, *, grace_s: float = GRACE_S) -> int:
        """Delete the files no longer listed, once they are ``grace_s`` old; returns how many."""
        if not self.directory.exists():
            return 0
        listed = {p.file for p in self.partitions()}
        deadline = time.time() - grace_s
        removed = 0
        for path in self.directory.rglob(f"*{SUFFIX}"):
            name = path.relative_to(self.directory).as_posix()
            if name not in listed and path.stat().st_mtime < deadline:
                path.unlink(missing_ok=True)
                removed += 1
        return removed


def _cube_rows(frame: pd.DataFrame, dimensions: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({DATE: pd.to_datetime(frame[DATE]).astype("datetime64[ns]")})
    for dimension in dimensions:
        out[dimension] = frame[dimension].astype(str).to_numpy()
    for measure in MEASURES:
        out[measure] = frame[measure].astype(float).to_numpy()
    return out


def _merged(stored: pd.DataFrame, new: pd.DataFrame, dimensions: list[str]) -> pd.DataFrame:
    """The stored day with the new rows in place of the stored rows of the same combination."""
    stored = _cube_rows(stored, dimensions)
    if not dimensions:
        return new
    kept = ~pd.MultiIndex.from_frame(stored[dimensions]).isin(pd.MultiIndex.from_frame(new[dimensions]))
    return pd.concat([stored[kept], new], ignore_index=True)


def _stored_dimensions(connection: Connection) -> list[str]:
    return [r[0] for r in connection.execute(select(CubeDimension.name).order_by(CubeDimension.position))]


def _check_dimensions(
    connection: Connection, dimensions: list[str], *, replace: bool, record: bool = False
) -> None:
    """Refuse a file whose dimensions differ from the stored cube's; ``record`` them on the first import."""
    if replace:
        return
    stored = _stored_dimensions(connection)
    has_cube = connection.execute(select(CubePartition.date).limit(1)).first() is not None
    if not stored and not has_cube:
        if record and dimensions:
            connection.execute(
                CubeDimension.__table__.insert(),  # type: ignore[attr-defined]
                [{"position": i, "name": name} for i, name in enumerate(dimensions)],
            )
        return
    if stored != dimensions:
        raise DimensionMismatch(
            f"the stored cube has dimensions {stored or '(none: totals only)'}, the file has "
            f"{dimensions or '(none: totals only)'}; import with --replace to replace the whole cube"
        )
