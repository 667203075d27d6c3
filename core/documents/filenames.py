"""File names that say what a document is and when: ``行动清单_边现_2026-11-23.md``.

Every document also gets an ASCII-only name (``action-checklist_arpu_2026-11-23.md``) for HTTP headers and
messengers that mangle non-ASCII names: the English kind, then the ASCII parts of the subject (non-ASCII
subjects such as a Chinese segment name are dropped from it rather than transliterated).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

Format = Literal["markdown", "xlsx"]
EXTENSIONS: dict[str, str] = {"markdown": "md", "xlsx": "xlsx"}
MEDIA_TYPES: dict[str, str] = {
    "markdown": "text/markdown; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
UNSAFE_CHARACTERS = re.compile(r'[\\/:*?"<>|\s]+')
NON_ASCII_SLUG = re.compile(r"[^A-Za-z0-9._-]+")


def document_filename(kind: str, subjects: list[str], when: dt.date | None, fmt: Format) -> str:
    """``kind_subject…_date.ext`` with characters that file systems reject replaced by ``-``."""
    parts = [kind, *subjects, *([when.isoformat()] if when else [])]
    cleaned = [UNSAFE_CHARACTERS.sub("-", p).strip("-") for p in parts]
    return "_".join(p for p in cleaned if p) + "." + EXTENSIONS[fmt]


def ascii_filename(kind_en: str, subjects: list[str], when: dt.date | None, fmt: Format) -> str:
    """The ASCII-safe variant: non-ASCII runs become ``-``; subjects left empty are dropped."""
    slugs = [NON_ASCII_SLUG.sub("-", s).strip("-._") for s in subjects]
    return document_filename(kind_en, [s for s in slugs if s], when, fmt)
