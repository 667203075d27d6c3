"""Getting a JSON object out of a model's reply text (L2).

Structured output gives bare JSON; endpoints without it often wrap the object in a ```json fence or in prose
("Here is the analysis: {...} Hope this helps").  We try, in order: the whole text, the first fenced block,
then the first ``{`` from which ``json.JSONDecoder.raw_decode`` reads a complete object (so braces inside
strings and trailing prose are handled by the real decoder, not by brace counting).
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(?P<body>.*?)```", re.DOTALL)


class NoJsonObjectError(ValueError):
    """The reply holds no JSON object."""


def extract_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in ``text``; raises ``NoJsonObjectError`` when there is none."""
    stripped = text.strip()
    candidates = [stripped]
    fence = _FENCE.search(stripped)
    if fence:
        candidates.append(fence.group("body").strip())
    for candidate in candidates:
        try:
            parsed = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed
    decoder = json.JSONDecoder()
    for start in (i for i, ch in enumerate(stripped) if ch == "{"):
        try:
            parsed, _ = decoder.raw_decode(stripped, start)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed
    raise NoJsonObjectError("the reply contains no JSON object")
