"""Reusing the last good narration for identical inputs.

The key hashes everything that can change the answer: section, schema (name and JSON schema), facts JSON,
user text, language and model.  Values are stored as JSON (``model_dump(mode="json")``) so that a database
implementation of ``NarrationCache`` can persist them as is; only ``ok``/``repaired`` answers are stored.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel


class NarrationCache(Protocol):
    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...


def narration_cache_key(
    *,
    section: str,
    schema: type[BaseModel],
    facts: BaseModel,
    user_text: str | None,
    language: str,
    model: str,
) -> str:
    payload = {
        "section": section,
        "schema": [schema.__module__, schema.__qualname__, schema.model_json_schema()],
        "facts": facts.model_dump(mode="json"),
        "user_text": user_text,
        "language": language,
        "model": model,
    }
    encoded = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class InMemoryTTLCache:
    """A thread-safe, size-bounded (LRU) cache whose entries expire ``ttl_s`` seconds after being stored."""

    def __init__(
        self, ttl_s: float = 600.0, max_entries: int = 512, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires_at, value = entry
            if self._clock() >= expires_at:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        with self._lock:
            self._entries[key] = (self._clock() + self._ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
