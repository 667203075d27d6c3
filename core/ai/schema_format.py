"""The ``response_format`` for OpenAI structured output, derived from a pydantic schema.

Strict mode needs every object closed (``additionalProperties: false``) with every property required, and it
rejects some JSON-Schema keywords (string ``minLength``/``maxLength``, ``default``).  We strip those here; the
full pydantic schema, bounds included, is still shown to the model in the system prompt and pydantic still
enforces it on the reply.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

_UNSUPPORTED_KEYWORDS = frozenset({"minLength", "maxLength", "default", "title"})


def strict_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """``schema``'s JSON schema made acceptable to ``strict: true``."""
    return _strictify(schema.model_json_schema())


def response_format_for(schema: type[BaseModel]) -> dict[str, Any]:
    name = re.sub(r"[^A-Za-z0-9_-]", "_", schema.__name__)[:64]
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": strict_json_schema(schema), "strict": True},
    }


def _strictify(node: Any) -> Any:
    if isinstance(node, list):
        return [_strictify(item) for item in node]
    if not isinstance(node, dict):
        return node
    result = {key: _strictify(value) for key, value in node.items() if key not in _UNSUPPORTED_KEYWORDS}
    if "properties" in node:
        # property names are data here, not keywords: rebuild them untouched by the keyword filter
        result["properties"] = {name: _strictify(sub) for name, sub in node["properties"].items()}
        result["required"] = list(node["properties"])
        result["additionalProperties"] = False
    return result
