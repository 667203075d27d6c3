"""Keeping the offline narrators' text within the bounds of the AI section schemas.

``ShortText`` holds at most :data:`SHORT_TEXT_LIMIT` characters and ``Paragraph`` :data:`PARAGRAPH_LIMIT`
(:mod:`core.ai.sections`); a narrator either cuts a line (:func:`clip`) or keeps only the whole sentences
that fit (:func:`fit`), so its output always validates.
"""

from __future__ import annotations

from core.ai.sections import PARAGRAPH_LIMIT, SHORT_TEXT_LIMIT

ELLIPSIS = "…"

__all__ = ["ELLIPSIS", "PARAGRAPH_LIMIT", "SHORT_TEXT_LIMIT", "clip", "fit"]


def clip(text: str, limit: int = SHORT_TEXT_LIMIT) -> str:
    """``text`` without surrounding blanks, cut to ``limit`` characters with ``…`` when longer."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def fit(sentences: list[str], limit: int, separator: str = "") -> str:
    """Join whole sentences while they fit in ``limit`` characters (never cuts a number in half).

    When even the first sentence is too long, it is cut.
    """
    text = ""
    for sentence in sentences:
        candidate = f"{text}{separator}{sentence}" if text else sentence
        if len(candidate) > limit:
            break
        text = candidate
    return text or sentences[0][: limit - 1] + ELLIPSIS
