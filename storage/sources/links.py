"""How a warehouse source talks to its engine: the table's columns, the rows of a statement, the version.

:class:`~storage.sources.warehouse.WarehouseSource` builds the SQL (``storage.sources.queries``) and reads
frames; a link only runs it. :class:`SqlAlchemyLink` covers the engines with a SQLAlchemy driver
(PostgreSQL, MySQL/MariaDB, StarRocks, Doris); ClickHouse has its own
(:class:`storage.sources.clickhouse.ClickHouseLink`, over clickhouse-connect).
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import inspect
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeEngine

from storage.sources.base import SourceError
from storage.sources.connect import Scheme, explain_error, shown_url, warehouse_engine


class Link(Protocol):
    def columns(self, name: str, schema: str | None) -> dict[str, TypeEngine]:
        """The table's columns and their types; SourceError(METRICS_TABLE) when there is no such table."""
        ...

    def rows(self, statement: Select) -> list[tuple]:
        """The statement's rows as plain tuples; driver errors as a SourceError naming the setting."""
        ...

    def version(self) -> str: ...

    def dispose(self) -> None: ...


class SqlAlchemyLink:
    def __init__(self, url: URL, scheme: Scheme, *, timeout_s: float) -> None:
        self.url = url
        self.scheme = scheme
        self.timeout_s = timeout_s
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = warehouse_engine(self.url, self.scheme, timeout_s=self.timeout_s)
        return self._engine

    def columns(self, name: str, schema: str | None) -> dict[str, TypeEngine]:
        shown = f"{schema}.{name}" if schema else name
        try:
            reflected = inspect(self.engine).get_columns(name, schema=schema)
        except NoSuchTableError as exc:
            raise SourceError(
                "METRICS_TABLE", f"no table or view {shown!r} at {shown_url(self.url)}"
            ) from exc
        except SQLAlchemyError as exc:
            raise explain_error(exc, self.url) from exc
        if not reflected:  # some engines answer an unknown table with no columns
            raise SourceError("METRICS_TABLE", f"no table or view {shown!r} at {shown_url(self.url)}")
        return {c["name"]: c["type"] for c in reflected}

    def rows(self, statement: Select) -> list[tuple]:
        try:
            with self.engine.connect() as connection:
                result = connection.execute(statement)
                rows = result.cursor.fetchall() if result.cursor is not None else []  # plain tuples: fast
                result.close()
        except SQLAlchemyError as exc:
            raise explain_error(exc, self.url) from exc
        return rows

    def version(self) -> str:
        try:
            with self.engine.connect() as connection:
                dialect = connection.dialect
                version = ".".join(str(v) for v in (dialect.server_version_info or ()))
        except SQLAlchemyError as exc:
            raise explain_error(exc, self.url) from exc
        product = {"postgresql": "PostgreSQL", "mysql": "MySQL"}.get(dialect.name, dialect.name)
        if getattr(dialect, "is_mariadb", False):
            product = "MariaDB"
        return f"{product} {version}".strip()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
