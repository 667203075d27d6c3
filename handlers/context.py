"""What every handler is given: data, language, "today", the calendar and the AI engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from core.calendar import ChineseCalendar
from handlers.data_access import Data

if TYPE_CHECKING:  # the openai SDK takes a second to import: only when an engine is built
    from collections.abc import Callable

    from pydantic import BaseModel

    from core.ai import AIEngine, NarrationResult


@dataclass
class HandlerContext:
    engine: Engine
    data: Data
    ai: AIEngine
    calendar: ChineseCalendar
    language: str = "zh"
    today: dt.date | None = None  # the user's "today" in TIMEZONE; None: the day after the latest data day
    ai_deadline_s: float = 8.0  # the whole AI step of an explanation, retries included
    ai_retro_deadline_s: float = 12.0  # the same for a retrospective
    question_aliases: dict[str, str] = field(default_factory=dict)  # QUESTION_ALIASES: word → dimension

    def reference_day(self) -> dt.date:
        """ "Today" for relative arguments such as 上周 / yesterday."""
        if self.today is not None:
            return self.today
        last = self.data.last_day()
        return dt.date.today() if last is None else last + dt.timedelta(days=1)

    def narrate(
        self,
        section: str,
        facts: BaseModel,
        schema: type[BaseModel],
        offline: Callable[..., BaseModel],
        instructions: str,
        *,
        user_text: str | None = None,
        deadline_s: float | None = None,
    ) -> NarrationResult:
        """One narrative section through the AI engine, in the user's language, within the AI deadline."""
        from core.ai import NarrationRequest

        return self.ai.narrate(
            NarrationRequest(
                section=section,
                facts=facts,
                schema=schema,
                offline=offline,
                instructions=instructions,
                user_text=user_text,
                language="en" if self.language == "en" else "zh",
                deadline_s=self.ai_deadline_s if deadline_s is None else deadline_s,
            )
        )

    def t(self, zh: str, en: str) -> str:
        """Pick the user's language."""
        return zh if self.language == "zh" else en
