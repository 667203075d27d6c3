"""Fitting text into a messenger's size limits: clip one string, or pack lines into limited chunks.

Slack measures its limits in characters, DingTalk and WeCom in UTF-8 bytes, so the size function is a
parameter (``len`` or ``nbytes``). Packing is greedy and keeps the order: each line joins the current
chunk while the chunk stays within the limit, else starts the next one; a line longer than a whole chunk
is cut between characters. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Size = Callable[[str], int]


def nbytes(text: str) -> int:
    return len(text.encode("utf-8"))


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cut(line: str, limit: int, size: Size) -> list[str]:
    """Pieces of ``line``, each at most ``limit`` in ``size``, cut between characters."""
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for char in line:
        width = size(char)
        if used + width > limit:
            pieces.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += width
    if current:
        pieces.append("".join(current))
    return pieces


def pack_lines(lines: Iterable[str], limit: int, joiner: str, size: Size = len) -> list[str]:
    """``lines`` packed in order into chunks of at most ``limit`` (in ``size``), joined with ``joiner``."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        for piece in _cut(line, limit, size) if size(line) > limit else [line]:
            candidate = f"{current}{joiner}{piece}" if current else piece
            if size(candidate) > limit:
                chunks.append(current)
                current = piece
            else:
                current = candidate
    if current:
        chunks.append(current)
    return chunks
