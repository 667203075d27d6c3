"""ClickHouse as the cube source, over clickhouse-connect (ClickHouse's own Python client).

``clickhouse://user:password@host:8123/database`` (``clickhouses://`` for HTTPS) reaches a server over HTTP;
``chdb:////absolute/dir`` opens a local chDB directory — ClickHouse's engine in the process, which the tests
use — through the very same client (clickhouse-connect's ``chdb`` backend): the SQL, the binding of values
and the result parsing are the ones a server gets.

The SQL is the standard builder compiled for ClickHouse (clickhouse-connect's SQLAlchemy dialect:
backquoted identifiers, ``GROUPING SETS`` with the standard ``GROUPING()``); values are bound by the client
(``%(name)s``, escaped by clickhouse-connect). Every query runs with ``readonly=2`` (no writes, settings
allowed) and ``max_execution_time``, so the product can only read and a slow query ends in time.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Date, DateTime, Float, Integer, String
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeEngine

from storage.sources.base import SourceError
from storage.sources.connect import CONNECT_TIMEOUT_S, explain_error, shown_url


class ClickHouseLink:
    def __init__(self, url: URL, *, timeout_s: float) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._client = None
        self._dialect: Dialect | None = None

    @property
    def dialect(self) -> Dialect:
        if self._dialect is None:
            from clickhouse_connect.cc_sqlalchemy.dialect import ClickHouseDialect

            self._dialect = ClickHouseDialect(paramstyle="pyformat")
        return self._dialect

    @property
    def client(self):  # type: ignore[no-untyped-def]
        if self._client is None:
            import clickhouse_connect

            settings = {"readonly": 2, "max_execution_time": max(1, int(self.timeout_s))}
            try:
                if self.url.drivername == "chdb":
                    directory = Path(self.url.database or "").resolve()
                    self._client = clickhouse_connect.get_client(dsn=f"chdb://{directory}", settings=settings)
                else:
                    self._client = clickhouse_connect.get_client(
                        host=self.url.host or "localhost",
                        port=self.url.port or 0,
                        username=self.url.username or "default",
                        password=self.url.password or "",
                        database=self.url.database or "default",
                        secure=self.url.drivername == "clickhouses",
                        connect_timeout=CONNECT_TIMEOUT_S,
                        send_receive_timeout=max(1, int(self.timeout_s)) + 5,
                        settings=settings,
                    )
            except Exception as exc:  # connection, authentication, unknown database
                raise explain_error(exc, self.url) from exc
        return self._client

    def columns(self, name: str, schema: str | None) -> dict[str, TypeEngine]:
        shown = f"{schema}.{name}" if schema else name
        try:
            described = self.client.query(f"DESCRIBE TABLE {_quoted(schema, name)}").result_rows
        except SourceError:
            raise
        except Exception as exc:
            if "UNKNOWN_TABLE" in str(exc) or "does not exist" in str(exc):
                raise SourceError(
                    "METRICS_TABLE", f"no table or view {shown!r} at {shown_url(self.url)}"
                ) from exc
            raise explain_error(exc, self.url) from exc
        return {row[0]: _sql_type(row[1]) for row in described}

    def rows(self, statement: Select) -> list[tuple]:
        compiled = statement.compile(dialect=self.dialect, compile_kwargs={"render_postcompile": True})
        try:
            return list(self.client.query(compiled.string, parameters=compiled.params).result_rows)
        except SourceError:
            raise
        except Exception as exc:
            raise explain_error(exc, self.url) from exc

    def version(self) -> str:
        product = "chDB (ClickHouse)" if self.url.drivername == "chdb" else "ClickHouse"
        return f"{product} {self.client.server_version}"

    def dispose(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _quoted(schema: str | None, name: str) -> str:
    """Identifiers from our settings, backquoted with ClickHouse's escaping (DESCRIBE takes no parameters)."""
    from clickhouse_connect.driver.binding import quote_identifier

    return ".".join(quote_identifier(part) for part in (schema, name) if part)


def _sql_type(clickhouse_type: str) -> TypeEngine:
    """A ClickHouse column type as the SQLAlchemy type the query builder reasons about."""
    inner = clickhouse_type
    for wrapper in ("Nullable(", "LowCardinality("):
        while inner.startswith(wrapper):
            inner = inner[len(wrapper) : -1]
    if inner in ("Date", "Date32"):
        return Date()
    if inner.startswith("DateTime"):
        return DateTime()
    if inner.startswith(("Int", "UInt")):
        return Integer()
    if inner.startswith(("Float", "Decimal")):
        return Float()
    return String()
