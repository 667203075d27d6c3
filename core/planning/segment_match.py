"""Which cube column holds the segments, and which segments a goal's keyword (家庭向, family) means."""

from __future__ import annotations

import re

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
    wanted = set(values.astype(str))
    best, best_overlap = None, 0
    for column in dimension_columns(cube):
        overlap = len(wanted & set(cube[column].astype(str).unique()))
        if overlap > best_overlap:
            best, best_overlap = column, overlap
    return best


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
