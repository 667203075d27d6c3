"""Campaign content mixes such as ``家庭剧70%+动漫30%``."""

from __future__ import annotations

import re

from core.importing.values import quoted

MIX_SEPARATORS = re.compile(r"[+＋、,，;；|]")
MIX_PART = re.compile(r"(?P<name>.+?)\s*[:：]?\s*(?P<percent>\d+(?:\.\d+)?)\s*[%％]")
SUM_TOLERANCE_POINTS = 1.0


def parse_content_mix(text: str, *, check_sum: bool = True) -> dict[str, float]:
    """Parse a content mix into fractions per content type, in the order written.

    ``"家庭剧70%+动漫30%"`` → ``{"家庭剧": 0.7, "动漫": 0.3}``. Parts are separated by ``+``, ``、``, ``,``,
    ``，``, ``;`` or ``|``; each part is a name followed by a percentage (``家庭剧 70%`` and
    ``家庭剧:70%`` work too). With ``check_sum`` the percentages must add up to 100 within one point
    (rounding in the spreadsheet). Raises ``ValueError`` with a readable reason.
    """
    parts = [part.strip() for part in MIX_SEPARATORS.split(text) if part.strip()]
    if not parts:
        raise ValueError("content mix is empty (expected something like 家庭剧70%+动漫30%)")
    mix: dict[str, float] = {}
    for part in parts:
        match = MIX_PART.fullmatch(part)
        if match is None:
            raise ValueError(
                f"content mix part {quoted(part)} is not a name followed by a percentage (like 动漫30%)"
            )
        name = match["name"].strip()
        if name in mix:
            raise ValueError(f"content mix names {quoted(name)} twice")
        mix[name] = float(match["percent"]) / 100
    total_points = sum(mix.values()) * 100
    if check_sum and abs(total_points - 100) > SUM_TOLERANCE_POINTS:
        raise ValueError(f"content mix percentages add up to {total_points:g}%, not 100%")
    return mix
