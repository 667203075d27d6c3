"""Campaign resource-position lists such as ``首页位1|详情页推荐``."""

from __future__ import annotations

import re

POSITION_SEPARATORS = re.compile(r"[|｜,，、;；]")
POSITION_JOINER = "|"


def split_positions(text: object) -> list[str]:
    """``"首页位1|详情页推荐"`` → ``["首页位1", "详情页推荐"]``, in the order written.

    Positions may be separated by ``|``, ``｜``, ``,``, ``，``, ``、``, ``;`` or ``；`` (the import stores them
    joined by ``|``); blanks are dropped, and a value that is not text (a missing cell) has none.
    """
    if not isinstance(text, str):
        return []
    return [part.strip() for part in POSITION_SEPARATORS.split(text) if part.strip()]
