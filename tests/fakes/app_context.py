"""A migrated ``AppContext`` on a throw-away SQLite database, for tests that point it at the fake servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.context import AppContext
from core.config import Settings
from storage.migrate import upgrade


def migrated_context(tmp_path: Path, **settings: Any) -> AppContext:
    """``settings`` on top of the defaults (no ``.env`` read), the database and data under ``tmp_path``."""
    context = AppContext(
        Settings(_env_file=None, database_url=f"sqlite:///{tmp_path / 'm.db'}", data_dir=tmp_path, **settings)  # type: ignore[call-arg]
    )
    upgrade(context.engine)
    return context
