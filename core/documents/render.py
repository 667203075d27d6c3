"""Turning a layout into a :class:`Document`: the chosen format's bytes plus names that say what and when."""

from __future__ import annotations

import datetime as dt

from core.documents.filenames import MEDIA_TYPES, Format, ascii_filename, document_filename
from core.documents.layout import Layout
from core.documents.markdown import to_markdown
from core.documents.models import Document
from core.documents.xlsx import to_xlsx


def render_document(
    layout: Layout,
    *,
    fmt: Format,
    language: str,
    kind: tuple[str, str],
    subjects: tuple[list[str], list[str]],
    when: dt.date | None,
) -> Document:
    """Render ``layout``; ``kind`` and ``subjects`` are (zh, en) pairs used for the file names."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown document format {fmt!r} (expected markdown or xlsx)")
    content = to_markdown(layout) if fmt == "markdown" else to_xlsx(layout)
    kind_zh, kind_en = kind
    subjects_zh, subjects_en = subjects
    name = (
        document_filename(kind_zh, subjects_zh, when, fmt)
        if language == "zh"
        else document_filename(kind_en, subjects_en, when, fmt)
    )
    return Document(
        filename=name,
        ascii_filename=ascii_filename(kind_en, subjects_en, when, fmt),
        title=layout.title,
        media_type=MEDIA_TYPES[fmt],
        content=content,
    )
