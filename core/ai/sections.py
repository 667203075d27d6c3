"""Output schemas of the AI sections (the L1 validation).

Every string and list is bounded so that a model cannot flood a card: a reply that exceeds a bound fails
validation (one repair round trip, then the offline narrator).  Extra keys in a reply are ignored, never
rendered.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

SHORT_TEXT_LIMIT = 120
PARAGRAPH_LIMIT = 400

ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=SHORT_TEXT_LIMIT)
]
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=PARAGRAPH_LIMIT)]


class Explanation(BaseModel):
    """Why a metric moved: causes, one data insight and exactly three actions."""

    core_causes: list[ShortText] = Field(min_length=1, max_length=5)
    data_insight: Paragraph
    actions: list[ShortText] = Field(min_length=3, max_length=3)


class Feasibility(BaseModel):
    """How hard a goal is (1 = easy … 5 = very hard), why, its risks and advice."""

    difficulty: int = Field(ge=1, le=5)
    reason: Paragraph
    risks: list[ShortText] = Field(max_length=5)
    advice: list[ShortText] = Field(min_length=1, max_length=5)


class StrategyRationale(BaseModel):
    """Why a recommended strategy picks its segment, content, resource position and discount."""

    segment_reason: Paragraph
    content_reason: Paragraph
    position_reason: Paragraph
    discount_reason: Paragraph
    risks: list[ShortText] = Field(max_length=5)


class RetroNarrative(BaseModel):
    """A campaign retrospective: summary, what drove it, what to improve, what to do next time."""

    summary: Paragraph
    drivers: list[ShortText] = Field(min_length=1, max_length=5)
    improvements: list[ShortText] = Field(max_length=5)
    next_time: list[ShortText] = Field(max_length=5)


class ReuseSuggestion(BaseModel):
    """How to reuse a past strategy now, and the adjustments it needs."""

    suggestion: Paragraph
    adjustments: list[ShortText] = Field(max_length=5)
