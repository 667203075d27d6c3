"""The words of a cube's questions: dimension names and the usual Chinese words for them, team aliases.

Dimension names are data (``platform``, ``渠道``, ``resource_position`` …), so a question's dimension word
is matched against the cube's own names and against the common words for common column names
(渠道 → channel, 地区/区域 → region, 设备/终端 → device, 人群 → segment, …). A candidate matches a column
when it equals the column name or one of its ``_``/space separated parts (``position`` matches
``resource_position``). A team adds its own words with ``QUESTION_ALIASES`` (``频道=channel_group;档位=tier``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

COMMON_DIMENSION_WORDS: dict[str, tuple[str, ...]] = {
    "渠道": ("channel", "source"), "来源": ("source", "channel"), "地区": ("region", "area", "province"),
    "区域": ("region", "area"), "省份": ("province",), "城市": ("city",), "设备": ("device", "terminal"),
    "终端": ("terminal", "device", "platform"), "平台": ("platform",),
    "人群": ("segment", "audience", "cohort"), "用户群": ("segment", "audience", "cohort"),
    "分群": ("segment", "cohort"), "客群": ("segment", "audience"), "会员类型": ("member_type", "tier"),
    "资源位": ("resource_position", "position", "slot", "placement"), "位置": ("position", "placement"),
    "广告位": ("placement", "slot", "position"), "内容": ("content_type", "content", "genre"),
    "内容类型": ("content_type", "genre"), "题材": ("genre", "content_type"), "品类": ("category", "genre"),
    "优惠": ("discount_type", "discount", "offer", "coupon"), "优惠类型": ("discount_type", "offer"),
    "折扣": ("discount", "discount_type"), "套餐": ("plan", "package", "sku"), "产品": ("product", "plan"),
    "版本": ("version", "app_version"), "系统": ("os",), "年龄段": ("age_group", "age"), "性别": ("gender",),
}  # fmt: skip


def parse_aliases(text: str) -> dict[str, str]:
    """``"频道=channel_group; 档位=tier"`` → ``{"频道": "channel_group", "档位": "tier"}`` (bad parts ignored)."""
    aliases: dict[str, str] = {}
    for part in re.split(r"[;；,，\n]", text or ""):
        word, sep, column = part.partition("=")
        if sep and word.strip() and column.strip():
            aliases[word.strip()] = column.strip()
    return aliases


def dimension_words(dimensions: Sequence[str], aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every word that names one of ``dimensions`` → that dimension (longest words first when matching)."""
    words: dict[str, str] = {}
    for name in dimensions:
        words[name.lower()] = name
        spaced = name.replace("_", " ").lower()
        words.setdefault(spaced, name)
    for word, candidates in COMMON_DIMENSION_WORDS.items():
        hit = _matching(dimensions, candidates)
        if hit is not None:
            words.setdefault(word, hit)
    for candidates in COMMON_DIMENSION_WORDS.values():  # English plurals of the candidate words
        hit = _matching(dimensions, candidates)
        for candidate in candidates:
            if hit is not None and candidate.isascii():
                words.setdefault(candidate.replace("_", " "), hit)
                words.setdefault(candidate.replace("_", " ") + "s", hit)
    for word, candidates in COMMON_DIMENSION_WORDS.items():  # a column named 渠道 is "channel" in English
        named = next((d for d in dimensions if d == word), None)
        for candidate in candidates if named else ():
            words.setdefault(candidate.replace("_", " "), named)  # type: ignore[arg-type]
            words.setdefault(candidate.replace("_", " ") + "s", named)  # type: ignore[arg-type]
    for word, column in (aliases or {}).items():
        match = next((d for d in dimensions if d.lower() == column.lower()), None)
        if match is not None:
            words[word.lower()] = match  # a team's own word wins over the common ones
    return words


def _matching(dimensions: Sequence[str], candidates: Sequence[str]) -> str | None:
    for candidate in candidates:  # the first candidate is the likeliest name: exact names first
        for name in dimensions:
            if name.lower() == candidate:
                return name
        for name in dimensions:
            if candidate in re.split(r"[_\s-]+", name.lower()):
                return name
    return None


def dimension_label(name: str, language: str = "zh") -> str:
    """A dimension as users say it: ``platform`` → 平台, ``resource_position`` → 资源位 (Chinese); the column
    name itself in English or when no usual word names it."""
    if language != "zh" or not name.isascii():
        return name
    exact = next((w for w, c in COMMON_DIMENSION_WORDS.items() if c and c[0] == name.lower()), None)
    return exact or next((w for w, c in COMMON_DIMENSION_WORDS.items() if name.lower() in c), name)
