"""The engine's request, result and call-record types.

``NarrationRequest`` bundles everything one AI section needs: the facts (the only source of numbers), the
output schema, the deterministic offline narrator and our (trusted) instructions, plus optional untrusted
user text.  ``NarrationResult`` is what a card renders; ``CallRecord`` is what storage persists per call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel

Language = Literal["zh", "en"]
SchemaT = TypeVar("SchemaT", bound=BaseModel)


class Outcome(StrEnum):
    """How the shown value was produced."""

    OK = "ok"  # the model's first valid, grounded answer (or a cached one)
    REPAIRED = "repaired"  # valid only after the single repair round trip
    FALLBACK = "fallback"  # the offline narrator's answer


@dataclass(frozen=True)
class NarrationRequest(Generic[SchemaT]):
    """One section to narrate.

    ``offline(facts, language)`` must be deterministic and must not fail: it is the answer whenever the model
    is absent, slow, broken or ungrounded.  ``user_text`` is untrusted (a goal, a query) and is only ever sent
    to the model as delimited data.
    """

    section: str
    facts: BaseModel
    schema: type[SchemaT]
    offline: Callable[[BaseModel, Language], SchemaT]
    instructions: str
    user_text: str | None = None
    language: Language = "zh"
    deadline_s: float = 8.0


@dataclass(frozen=True)
class NarrationResult(Generic[SchemaT]):
    """What the card shows: ``value`` always validates against the request's schema.

    ``notice`` is the one quiet line shown when the model was configured but failed (``None`` otherwise,
    including in the normal no-key offline mode).  Render-time escaping (``core.text_safety``) is the
    caller's job: ``value`` keeps the model's raw text.
    """

    value: SchemaT
    outcome: Outcome
    reason: str | None
    offline: bool
    latency_s: float
    notice: str | None
    cached: bool = False


@dataclass(frozen=True)
class CallRecord:
    """One ``narrate`` call, for the AI-calls log.  ``attempts`` counts HTTP requests (0 on no client / cache)."""

    section: str
    model: str
    started_at: datetime
    latency_s: float
    prompt_tokens: int | None
    completion_tokens: int | None
    outcome: Outcome
    reason: str | None
    attempts: int
    cached: bool = False
