"""Turn the file's bytes into text: UTF-8 (with or without BOM), else GBK / GB18030."""

from __future__ import annotations

import codecs
from dataclasses import dataclass


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # "utf-8", "utf-8-sig", "gbk" or "gb18030"


class UndecodableFile(ValueError):
    """Neither UTF-8 nor GBK/GB18030; ``line`` is where the first byte UTF-8 could not read is."""

    def __init__(self, line: int) -> None:
        super().__init__(f"not UTF-8 or GBK text (first unreadable byte on line {line})")
        self.line = line


def decode_bytes(data: bytes) -> DecodedText:
    """Decode strictly, trying the encodings in order of how often a wrong guess would still succeed.

    UTF-8 first: its multi-byte rules make a GBK file fail almost surely, whereas GBK happily decodes
    most UTF-8 bytes into mojibake. GBK before GB18030 so that the usual case is reported by its usual
    name; GB18030 (a superset) catches the rare characters GBK lacks.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        first_bad_line = data.count(b"\n", 0, error.start) + 1
    else:
        return DecodedText(text, "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    for encoding in ("gbk", "gb18030"):
        try:
            return DecodedText(data.decode(encoding), encoding)
        except UnicodeDecodeError:
            continue
    raise UndecodableFile(first_bad_line)
