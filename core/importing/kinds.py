"""The kinds of file ``memberops import`` understands."""

from __future__ import annotations

from enum import StrEnum


class ImportKind(StrEnum):
    METRICS = "metrics"
    SEGMENTS = "segments"
    CAMPAIGNS = "campaigns"
    RESOURCES = "resources"

    @classmethod
    def parse(cls, value: ImportKind | str) -> ImportKind:
        """Accept an ``ImportKind`` or its name in any case; a clear ``ValueError`` otherwise."""
        if isinstance(value, ImportKind):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            expected = ", ".join(kind.value for kind in cls)
            raise ValueError(f"unknown import kind {value!r} (expected one of: {expected})") from None
