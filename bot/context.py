"""What a running process holds once: validated settings, the database engine, the AI engine, the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from core.calendar import ChineseCalendar
from core.config import ConfigError, Settings, load_settings
from core.query.vocabulary import parse_aliases
from handlers.context import HandlerContext
from handlers.data_access import DataAccess
from storage.db import make_engine
from storage.sources import CubeSource, SourceError, open_source

if TYPE_CHECKING:  # the openai SDK takes a second to import: only when an engine is built
    from core.ai import AIEngine


def build_ai_engine(settings: Settings, engine: Engine) -> AIEngine:
    """An engine on the configured OpenAI-compatible endpoint (no key: the offline narrator), every call logged."""
    from core.ai import AIClientConfig, CallRecord
    from handlers.telemetry import observe_ai_call
    from storage.ai_calls_repo import record_call

    def record(call: CallRecord) -> None:
        observe_ai_call(call.outcome.value, call.latency_s)
        record_call(engine, call)

    return AIClientConfig.from_settings(settings).build_engine(recorder=record)


@dataclass
class AppContext:
    settings: Settings

    def __post_init__(self) -> None:
        if self.settings.chart_font_file:  # matplotlib is imported only when a team names its font
            from bot.render.chart_font import configure_font_file

            configure_font_file(self.settings.chart_font_file)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def ai(self) -> AIEngine:
        return build_ai_engine(self.settings, self.engine)

    @cached_property
    def calendar(self) -> ChineseCalendar:
        return ChineseCalendar(self.settings.holiday_file)

    @cached_property
    def source(self) -> CubeSource:
        """Where the cube is read from (METRICS_SOURCE): the embedded store, or a warehouse table."""
        return open_source(self.settings, self.engine)

    @cached_property
    def data(self) -> DataAccess:
        return DataAccess(self.engine, self.source, self.settings.metrics_history_days)

    def handler_context(self, language: str | None = None) -> HandlerContext:
        return HandlerContext(
            engine=self.engine,
            data=self.data.snapshot(),  # one data version for the whole request
            ai=self.ai,
            calendar=self.calendar,
            language=language or self.settings.language,
            today=dt.datetime.now(ZoneInfo(self.settings.timezone)).date(),
            ai_deadline_s=self.settings.ai_deadline_s,
            ai_retro_deadline_s=self.settings.ai_retro_deadline_s,
            question_aliases=parse_aliases(self.settings.question_aliases),
        )

    @classmethod
    def from_environment(cls, **overrides: object) -> AppContext:
        """Settings from the environment, checked; a malformed METRICS_SOURCE fails here, not at 9:00."""
        context = cls(load_settings(**overrides))
        try:
            context.source  # noqa: B018 - parses the URL and the mapping (connects later)
        except SourceError as exc:
            raise ConfigError(str(exc)) from exc
        return context
