"""What the handler tests share: a handler context over a test database, and reading a card back.

:class:`RecordingAI` stands in for the AI engine. ``card_texts`` lists every string a user reads in a card (title and subtitle first), which is what the
number guard (:func:`core.ai.find_ungrounded_numbers`) is run over.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.engine import Engine

from core.ai import AIEngine, NarrationRequest, NarrationResult, Outcome
from core.calendar import ChineseCalendar
from handlers.card import Card, CardSection
from handlers.context import HandlerContext
from handlers.data_access import DataAccess


def handler_context(
    engine: Engine, language: str = "zh", *, today: dt.date | None = None, ai: Any = None
) -> HandlerContext:
    """A context as the bot builds one, with the offline AI engine unless ``ai`` is given."""
    return HandlerContext(
        engine=engine,
        data=DataAccess(engine),
        ai=ai or AIEngine(None, "gpt-4o-mini"),
        calendar=ChineseCalendar(),
        language=language,
        today=today,
    )


class RecordingAI:
    """Stands in for the AI engine: records requests, answers with ``answer`` or the offline narrator."""

    def __init__(self, answer: Any = None, notice: str | None = None) -> None:
        self.requests: list[NarrationRequest] = []
        self.answer = answer
        self.notice = notice

    def narrate(self, request: NarrationRequest) -> NarrationResult:
        self.requests.append(request)
        value = self.answer if self.answer is not None else request.offline(request.facts, request.language)
        outcome = Outcome.OK if self.answer is not None else Outcome.FALLBACK
        return NarrationResult(value, outcome, None, self.answer is None, 0.0, self.notice)


def card_texts(card: Card) -> list[str]:
    """Every string a user reads in the card: title, subtitle, footer, sections, tables and buttons."""
    texts = [card.title, card.subtitle or "", *card.context]
    for section in card.sections:
        texts += [section.title or "", section.text or "", *section.bullets]
        texts += [f"{f.label}: {f.value}" for f in section.fields]
    for table in card.tables:
        texts += [table.title or "", *table.columns, *(cell for row in table.rows for cell in row)]
    texts += [b.label for b in card.buttons]
    return texts


def section(card: Card, title: str) -> CardSection:
    return next(s for s in card.sections if s.title == title)


def fields(card: Card, title: str) -> dict[str, str]:
    """The fields of the section titled ``title`` as ``{label: value}``."""
    return {f.label: f.value for f in section(card, title).fields}


def assert_usage_card(card: Card, command: str, message: str, example: str) -> None:
    """The dispatcher's answer to unusable arguments: the message first, then the example to copy."""
    assert card.title.startswith(f"/mo-{command}: ")
    assert (card.sections[0].text or "").startswith(message)
    assert card.sections[1].text == example
