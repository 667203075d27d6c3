"""Campaign content mixes such as ``家庭剧70%+动漫30%``."""

from __future__ import annotations

import re
from collections.abc import Mapping

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


def read_content_mix(value: object) -> dict[str, float]:
    """A stored content mix read leniently: fractions as written, ``{}`` when blank, not text or unreadable.

    For code that reads the campaign library after the import has already reported any bad mix.
    """
    if not isinstance(value, str) or not value.strip():
        return {}
    try:
        return parse_content_mix(value, check_sum=False)
    except ValueError:
        return {}


def content_shares(value: object) -> dict[str, float]:
    """The content mix as fractions normalised to sum to 1 (empty or unreadable → empty)."""
    mix = read_content_mix(value)
    total = sum(mix.values())
    return {name: share / total for name, share in mix.items()} if total > 0 else {}


def content_mix_text(mix: Mapping[str, float]) -> str:
    """Fractions per content type written as the library stores them: ``家庭剧70%+动漫30%``.

    The inverse of :func:`parse_content_mix` (shares rounded to whole percent).
    """
    return "+".join(f"{name}{share:.0%}" for name, share in mix.items())
