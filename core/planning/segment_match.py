"""Which cube column holds the segments, and which segments a goal's keyword (家庭向, family) means."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from core.cube import dimension_columns

# English words of goal texts and the Chinese fragment of segment names they stand for. Segment names are
# data: these only translate common words; a name typed as is always matches directly.
KEYWORD_TRANSLATIONS: dict[str, str] = {
    "family": "家庭",
    "families": "家庭",
    "anime": "动漫",
    "cartoon": "动漫",
    "variety": "综艺",
    "movie": "电影",
    "movies": "电影",
    "film": "电影",
    "documentary": "纪录片",
    "new": "新用户",
    "trial": "试看",
    "silent": "沉默",
    "dormant": "沉默",
    "active": "活跃",
    "high": "高",
    "low": "低",
}
ALL_SEGMENT_WORDS = frozenset({"全部", "整体", "大盘", "所有", "全站", "all", "overall", "total", "everyone"})
CHINESE_SUFFIXES = ("人群", "用户", "群体", "向", "类")


def column_holding(cube: pd.DataFrame, values: pd.Series) -> str | None:
    """The dimension column of ``cube`` sharing the most distinct values with ``values`` (None if none)."""
    return dimension_holding({c: cube[c].astype(str).unique() for c in dimension_columns(cube)}, values)


def dimension_holding(dimension_values: Mapping[str, Iterable[str]], values: pd.Series) -> str | None:
    """The dimension (of ``dimension_values``: name → its values, in dimension order) sharing the most
    distinct values with ``values`` (None if none)."""
    wanted = set(values.astype(str))
    best, best_overlap = None, 0
    for dimension, present in dimension_values.items():
        overlap = len(wanted & {str(v) for v in present})
        if overlap > best_overlap:
            best, best_overlap = dimension, overlap
    return best


def planning_dimensions(
    dimension_values: Mapping[str, Iterable[str]], segments: pd.DataFrame, resources: pd.DataFrame
) -> list[str]:
    """The only dimensions the planners look at: the one holding the segments and the one holding the
    resource positions (in dimension order). The planners sum over every other dimension, so a cube summed
    down to these gives them the same numbers at a fraction of the rows."""
    found = {
        dimension_holding(dimension_values, segments["segment"]) if "segment" in segments else None,
        dimension_holding(dimension_values, resources["position"]) if "position" in resources else None,
    }
    return [d for d in dimension_values if d in found]


def _english_fragments(keyword: str) -> list[str] | None:
    words = re.findall(r"[a-z]+", keyword.lower())
    if not words or re.search(r"[\u4e00-\u9fff]", keyword):
        return None
    return [
        KEYWORD_TRANSLATIONS.get(word, word) for word in words if word not in {"users", "user", "segment"}
    ]


def match_segments(keyword: str | None, segments: pd.DataFrame) -> list[str]:
    """Segment names the keyword stands for, in table order; all names for no keyword or 全部/all.

    Tries, in order: the exact name; names containing the keyword (English words are translated first and
    must all appear); the same after dropping a suffix like 向/人群/用户; finally segments whose
    ``content_preference`` mentions the keyword. Returns ``[]`` when nothing matches.
    """
    names = [str(name) for name in segments["segment"]]
    if keyword is None or keyword.strip().lower() in ALL_SEGMENT_WORDS:
        return names
    keyword = keyword.strip()
    if keyword in names:
        return [keyword]
    fragments = _english_fragments(keyword)
    if fragments is not None:
        return [name for name in names if fragments and all(f in name for f in fragments)]
    candidates = [keyword] + [keyword.removesuffix(s) for s in CHINESE_SUFFIXES if keyword.endswith(s)]
    for candidate in filter(None, candidates):
        hits = [name for name in names if candidate in name]
        if hits:
            return hits
    if "content_preference" in segments:
        preferences = segments["content_preference"].astype(str).tolist()
        for candidate in filter(None, candidates):
            hits = [name for name, pref in zip(names, preferences, strict=True) if candidate in pref]
            if hits:
                return hits
    return []
