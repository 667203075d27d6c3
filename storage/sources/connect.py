"""Connecting to a team's warehouse: the URL schemes we accept, the driver behind each, read-only sessions
with timeouts, and driver errors turned into messages that name the setting (never the password).

| ``METRICS_SOURCE`` scheme | driver | SQL flavour |
|---|---|---|
| ``postgresql://`` | psycopg 3 | GROUPING SETS |
| ``mysql://``, ``mariadb://`` | PyMySQL | UNION ALL of GROUP BYs |
| ``starrocks://``, ``doris://`` | PyMySQL (MySQL protocol) | GROUPING SETS, MySQL quoting |
| ``clickhouse://``, ``clickhouses://``, ``chdb:///dir`` | clickhouse-connect (HTTP; chDB in the process) | GROUPING SETS, backquotes |
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from storage.sources.base import SourceError


@dataclass(frozen=True)
class Scheme:
    flavour: str  # the key into storage.sources.queries.QUERIES
    driver: str  # the SQLAlchemy drivername we connect with


SCHEMES: dict[str, Scheme] = {
    "postgresql": Scheme("postgresql", "postgresql+psycopg"),
    "postgres": Scheme("postgresql", "postgresql+psycopg"),
    "mysql": Scheme("mysql", "mysql+pymysql"),
    "mariadb": Scheme("mariadb", "mysql+pymysql"),
    "starrocks": Scheme("starrocks", "mysql+pymysql"),
    "doris": Scheme("doris", "mysql+pymysql"),
    "clickhouse": Scheme("clickhouse", "clickhouse"),  # clickhouse-connect over HTTP
    "clickhouses": Scheme("clickhouse", "clickhouses"),  # … over HTTPS
    "chdb": Scheme("clickhouse", "chdb"),  # a local chDB directory, through the same client
}
CONNECT_TIMEOUT_S = 10


def parse_source_url(url: str) -> tuple[URL, Scheme]:
    try:
        parsed = make_url(url.strip())
    except ArgumentError as exc:
        raise SourceError("METRICS_SOURCE", "not a URL such as postgresql://user:pw@host:5432/db") from exc
    backend = parsed.drivername.split("+", 1)[0]
    if backend not in SCHEMES:
        raise SourceError(
            "METRICS_SOURCE", f"unknown scheme {backend!r}: use one of {', '.join(sorted(SCHEMES))}"
        )
    scheme = SCHEMES[backend]
    return parsed.set(drivername=scheme.driver), scheme


def shown_url(url: URL) -> str:
    """The URL for messages and logs: the password replaced by ***."""
    return url.render_as_string(hide_password=True)


def warehouse_engine(url: URL, scheme: Scheme, *, timeout_s: float) -> Engine:
    """An engine whose sessions are read-only where the engine supports it and whose queries time out."""
    if scheme.flavour == "postgresql":
        options = f"-c default_transaction_read_only=on -c statement_timeout={int(timeout_s * 1000)}"
        connect_args: dict[str, object] = {"connect_timeout": CONNECT_TIMEOUT_S, "options": options}
    else:
        connect_args = {"connect_timeout": CONNECT_TIMEOUT_S, "read_timeout": max(1, int(timeout_s))}
        if scheme.flavour in ("mysql", "mariadb"):
            connect_args["init_command"] = "SET SESSION TRANSACTION READ ONLY"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True, pool_recycle=1800)


def explain_error(exc: BaseException, url: URL) -> SourceError:
    """A driver error as a message naming the setting at fault; the password never appears."""
    text = str(getattr(exc, "orig", None) or exc)
    password = url.password
    if password:
        text = text.replace(str(password), "***")
    first_line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    lowered = text.lower()
    where = f"{url.host or 'localhost'}:{url.port or 'default port'}"
    if (
        "password" in lowered
        or "access denied" in lowered
        or "authentication" in lowered
        or ("role" in lowered and "does not exist" in lowered)
    ):
        return SourceError(
            "METRICS_SOURCE", f"the warehouse at {where} refused user {url.username!r}: {first_line}"
        )
    if (
        "statement timeout" in lowered
        or "canceling statement" in lowered
        or "max_statement_time" in lowered
        or ("lost connection" in lowered and "timed out" in lowered)
        or "timeout_exceeded" in lowered
    ):
        return SourceError("METRICS_QUERY_TIMEOUT_S", f"the warehouse did not answer in time: {first_line}")
    if any(
        word in lowered
        for word in (
            "could not connect",
            "connection refused",
            "can't connect",
            "translate host",
            "timed out",
            "timeout expired",
            "name or service not known",
            "no route",
        )
    ):
        return SourceError("METRICS_SOURCE", f"cannot reach the warehouse at {where}: {first_line}")
    if (
        ("does not exist" in lowered and "database" in lowered)
        or "unknown database" in lowered
        or "unknown_database" in lowered
    ):
        return SourceError("METRICS_SOURCE", f"no database {url.database!r} at {where}: {first_line}")
    if isinstance(exc, DBAPIError):
        return SourceError("METRICS_SOURCE", f"the warehouse refused the query: {first_line}")
    return SourceError("METRICS_SOURCE", f"{type(exc).__name__}: {first_line}")
