"""Turning a past-campaign record into the text the search engine indexes, and into dictionary terms.

A campaign record is a mapping with the experience-library columns (``campaign_id``, ``name``,
``strategy_tag``, ``target_segment``, ``content_mix``, ``resource_positions``, ``discount``,
``success_factors``, ``notes``); missing, empty and NaN values are skipped. Multi-valued cells are
separated by ``|`` (``首页位1|详情页推荐``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

CAMPAIGN_ID = "campaign_id"

# The columns whose text is indexed, in the order they are joined.
TEXT_FIELDS: tuple[str, ...] = (
    "name",
    "strategy_tag",
    "target_segment",
    "content_mix",
    "resource_positions",
    "discount",
    "success_factors",
    "notes",
)

# Columns whose values are names (a segment, a position, a discount) worth keeping whole as terms.
TERM_FIELDS: tuple[str, ...] = ("strategy_tag", "target_segment", "resource_positions", "discount")

_VALUE_SEPARATORS = re.compile(r"[|,，、;；/]+")
_MAX_TERM_LENGTH = 12


def _cell_text(value: object) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value).strip()


def campaign_text(record: Mapping[str, object]) -> str:
    """The searchable text of one campaign: its text fields joined by newlines, ``|`` read as a space."""
    parts = (_cell_text(record.get(field)).replace("|", " ") for field in TEXT_FIELDS)
    return "\n".join(part for part in parts if part)


def campaign_terms(records: Iterable[Mapping[str, object]]) -> set[str]:
    """Names seen in the data's name-like columns, to hand to the tokenizer as extra dictionary terms.

    Each cell of :data:`TERM_FIELDS` is split on ``|`` and list punctuation; a value that is a short
    name (no whitespace, at most 12 characters, not only digits) becomes a term. Longer values are free
    text and are better left to jieba.
    """
    terms: set[str] = set()
    for record in records:
        for field in TERM_FIELDS:
            for value in _VALUE_SEPARATORS.split(_cell_text(record.get(field))):
                name = value.strip()
                if name and len(name) <= _MAX_TERM_LENGTH and not name.isdigit() and " " not in name:
                    terms.add(name)
    return terms
