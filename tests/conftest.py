"""Shared fixtures. Storage tests run on SQLite and on the real PostgreSQL; warehouse-source tests also on
the real MariaDB.

PostgreSQL comes from ``TEST_POSTGRES_URL`` (default: the local server, database ``test``), MariaDB from
``TEST_MARIADB_URL`` (default: root on the local server). Each test session creates its own throw-away
database on each server and drops it at the end, so parallel runs do not collide. When CI=true (or
REQUIRE_POSTGRES=1 / REQUIRE_MARIADB=1) an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from storage.cube_files import cube_directory
from storage.db import make_engine, normalise_url
from storage.migrate import upgrade
from tests.fakes.slack_api import FakeSlack

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_REQUIRED = os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_POSTGRES") == "1"
MARIADB_ADMIN_URL = os.environ.get("TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test")
MARIADB_REQUIRED = os.environ.get("CI", "").lower() == "true" or os.environ.get("REQUIRE_MARIADB") == "1"


def _throwaway_database(
    admin_url: str, *, server: str, required: bool, create: str, drop: str
) -> Iterator[str]:
    """A fresh database on ``server`` for the session (``create``/``drop``: SQL with ``{name}``); an
    unreachable server fails the run when ``required``, else skips the tests that need it."""
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - depends on the machine
        message = f"{server} is required for these tests but unreachable at {admin_url}: {exc}"
        if required:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"memberops_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(create.format(name=name)))
    yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(drop.format(name=name)))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a fresh database on the PostgreSQL server, dropped after the session (with its cube files)."""
    for url in _throwaway_database(
        normalise_url(POSTGRES_ADMIN_URL),
        server="PostgreSQL",
        required=POSTGRES_REQUIRED,
        create='CREATE DATABASE "{name}"',
        drop='DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
    ):
        yield url
        shutil.rmtree(cube_directory(create_engine(url)), ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb_server_url() -> Iterator[str]:
    """URL of a fresh database on the MariaDB server, dropped after the session."""
    yield from _throwaway_database(
        MARIADB_ADMIN_URL,
        server="MariaDB",
        required=MARIADB_REQUIRED,
        create="CREATE DATABASE `{name}`",
        drop="DROP DATABASE IF EXISTS `{name}`",
    )


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    shutil.rmtree(cube_directory(engine), ignore_errors=True)  # the embedded cube's files of that database
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: a SQLite file, or a freshly emptied PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'memberops.db'}"
    url = request.getfixturevalue("postgres_server_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _isolated_alert_action_hooks() -> Iterator[None]:
    """Alert button hooks are process-wide (serve registers the lifecycle hooks once); each test starts
    from the default registry and cannot leak its hooks into the next one."""
    from handlers import alert_actions

    saved = dict(alert_actions._HOOKS)
    alert_actions._HOOKS.clear()
    alert_actions.RECORDED.clear()
    yield
    alert_actions._HOOKS.clear()
    alert_actions._HOOKS.update(saved)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API on 127.0.0.1 (real HTTP)."""
    fake = FakeSlack().start()
    yield fake
    fake.close()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite app database of its own."""
    engine = make_engine(f"sqlite:///{tmp_path / 'alerts.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()
