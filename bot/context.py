"""What a running process holds once: validated settings and the database engine."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.engine import Engine

from core.config import Settings, load_settings
from storage.db import make_engine


@dataclass
class AppContext:
    settings: Settings

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @classmethod
    def from_environment(cls, **overrides: object) -> AppContext:
        return cls(load_settings(**overrides))
