"""Parsing a breakdown question: a metric, broken down by a dimension, over a period, ranked or compared.

``上个月哪个资源位ROI最高`` · ``本周各平台的边现`` · ``11月收入最高的人群`` · ``DAU 最近两周 按平台`` ·
``revenue by platform last month``. The text is not tokenised: every phrase known from the cube's own
vocabulary — metric names and aliases, dimension names and their usual words
(:mod:`core.query.vocabulary`), dimension values, period words (:mod:`core.query.periods`), rank words —
is cut out longest first; what is left must be filler. Anything else is reported back as the part not
understood (:class:`QuestionError` carries it), so the answer can say which part it was.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.cube import METRIC_ALIASES, METRICS
from core.query.periods import Period, PeriodError, cut_period, fitted
from core.query.vocabulary import dimension_words
from core.text_numbers import small_number

ROI = "roi"  # not a cube metric: revenue change per spend, from the campaigns (as in the retro)
ROI_WORDS = ("roi", "投入产出比", "投入产出", "投产比", "回报率")
TYPOS = {"边线": "arpu", "编现": "arpu", "边限": "arpu"}  # 边现 (biānxiàn) as pinyin input methods mistype it
FUZZY_CUTOFF = 0.8  # an unknown English word this close to a known one (difflib ratio) is taken for it
_DESC = ("最高", "最多", "最大", "最好", "最强", "最赚钱", "排第一", "第一", "从高到低", "由高到低", "降序",
         "highest", "most", "best", "largest", "biggest", "top", "descending")  # fmt: skip
_ASC = ("最低", "最少", "最小", "最差", "最弱", "从低到高", "由低到高", "升序", "lowest", "least", "worst", "smallest",
        "bottom", "ascending")  # fmt: skip
_WHICH = ("哪个", "哪一个", "哪种", "哪类", "哪家", "哪些", "which")
_BY = ("各个", "各", "每个", "每一个", "每种", "按", "分", "by", "per", "each", "across")
_TOP = re.compile(
    r"(?:前|top\s*)(\d{1,2}|[一二两三四五六七八九十]|one|two|three|four|five|six|seven|eight|nine|ten)\s*(?:名|个)?"
    r"|(?<![\d一二两三四五六七八九十])(\d{1,2}|[二两三四五六七八九十])\s*个(?!月|星期|礼拜|周|天)",
    re.I,
)  # 前3, top 3, top three, 三个 (人群) — not 3个月
_FILLERS = (
    "的", "是", "了", "呢", "吗", "啊", "呀", "看看", "看一下", "看下", "看", "查一下", "查询", "查", "一下", "帮我",
    "请", "给我", "列出", "排名", "排行", "排序", "对比", "比较", "多少", "情况", "表现", "分布", "数据", "统计",
    "都", "和", "与", "在", "上", "里", "中", "期间", "时候", "怎么样", "如何", "维度", "分别", "端", "请问", "问",
    "一共", "总共", "各自", "具体", "吧", "哦", "嗯", "谢谢", "麻烦", "想知道", "知道", "告诉我",
    "show", "me", "the", "of", "in", "for", "is", "was", "what", "were", "are", "and", "compare", "ranking",
    "rank", "ranked", "list", "with", "during", "over", "a", "an", "value", "values", "breakdown", "performed",
    "perform", "performance", "on", "at", "had", "has", "have", "did", "does", "do", "by", "please", "tell",
    "give", "see", "get", "how", "much", "many", "total", "per", "each", "to", "from", "it", "its", "our",
    "份额", "占比", "排", "排列", "顺序", "sorted", "sort", "order", "ordered", "make", "made", "share",
)  # fmt: skip
_PUNCTUATION = re.compile(r"[\s?？!！,，.。:：;；、~～\"'“”‘’()（）\[\]【】/|]+")
_PAIR = re.compile(r"([^\s=＝,，]+)\s*[=＝]\s*([^\s,，]+)")
_ASCII_WORD = re.compile(r"^[A-Za-z0-9 _.+-]+$")


class QuestionError(ValueError):
    """The question cannot be answered as asked; ``unknown`` is the part not understood (if any)."""

    def __init__(self, zh: str, en: str, unknown: str = "") -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.unknown = unknown


@dataclass(frozen=True)
class Question:
    metric: str | None  # a METRICS key, "roi", or None (none named)
    by: str | None  # the dimension to break down by (None: the scope's total)
    period: Period
    scope: dict[str, str] = field(default_factory=dict)
    order: str = "desc"  # "desc" | "asc"
    ranked: bool = False  # 最高/最低/which: the answer names the first row
    top: int | None = None  # 前3 / top 3
    explicit_period: bool = False


@dataclass
class _Parts:
    metrics: set[str] = field(default_factory=set)
    dimensions: list[str] = field(default_factory=list)
    scope: dict[str, str] = field(default_factory=dict)
    order: str | None = None
    which: bool = False
    top: int | None = None


def parse_question(
    text: str,
    *,
    dimension_values: Mapping[str, Sequence[str]],
    first_day: dt.date,
    latest_day: dt.date,
    reference_day: dt.date,
    aliases: Mapping[str, str] | None = None,
) -> Question:
    try:
        rest, raw_period = cut_period(" " + text.strip() + " ", reference_day)
    except PeriodError as error:
        raise QuestionError(error.zh, error.en) from error
    parts = _Parts()
    rest = _cut_pairs(rest, parts, dimension_values)
    rest = _cut_top(rest, parts)
    phrases = _phrases(dimension_values, aliases)
    for phrase, kind, payload in phrases:
        rest = _cut(rest, phrase, lambda k=kind, p=payload: _note(parts, k, p))
    rest = _cut_near_misses(rest, parts, phrases)
    leftover = _leftover(rest)
    if leftover:
        raise QuestionError(f"没认出「{leftover}」", f"Could not understand '{leftover}'", leftover)
    try:
        period = fitted(raw_period, first_day, latest_day)
    except PeriodError as error:
        raise QuestionError(error.zh, error.en) from error
    return _question(parts, period, explicit=raw_period is not None)


def _phrases(
    dimension_values: Mapping[str, Sequence[str]], aliases: Mapping[str, str] | None
) -> list[tuple[str, str, object]]:
    phrases: dict[str, tuple[str, object]] = {}
    for word in ROI_WORDS:
        phrases[word] = ("metric", ROI)
    for word, metric in TYPOS.items():
        phrases[word] = ("metric", metric)
    for alias, metric in METRIC_ALIASES.items():
        phrases[alias.lower()] = ("metric", metric)
    for metric, definition in METRICS.items():
        phrases.setdefault(definition.zh.lower(), ("metric", metric))
        phrases.setdefault(definition.en.lower(), ("metric", metric))
        phrases.setdefault(metric.lower(), ("metric", metric))
    for dimension, values in dimension_values.items():
        for value in values:
            phrases.setdefault(str(value).lower(), ("value", (dimension, str(value))))
    for word, dimension in dimension_words(list(dimension_values), aliases).items():
        phrases.setdefault(word, ("dimension", dimension))
    for words, kind in ((_DESC, "desc"), (_ASC, "asc"), (_WHICH, "which"), (_BY, "by")):
        for word in words:
            phrases.setdefault(word, (kind, None))
    for word in _FILLERS:  # 分别 is a filler, not 分 (by) + 别: longer fillers are cut as phrases
        if len(word) > 1 and not word.isascii():
            phrases.setdefault(word, ("filler", None))
    return sorted(((p, k, v) for p, (k, v) in phrases.items()), key=lambda item: -len(item[0]))


def _note(parts: _Parts, kind: str, payload: object) -> None:
    if kind == "metric":
        parts.metrics.add(str(payload))
    elif kind == "dimension" and payload not in parts.dimensions:
        parts.dimensions.append(str(payload))
    elif kind == "value":
        dimension, value = payload  # type: ignore[misc]
        if parts.scope.get(dimension, value) != value:
            raise QuestionError(
                f"维度 {dimension} 只能取一个值（{parts.scope[dimension]} 还是 {value}？）",
                f"Pick one value of {dimension} ({parts.scope[dimension]} or {value}?)",
            )
        parts.scope[dimension] = value
    elif kind in ("desc", "asc"):
        parts.order = kind
    elif kind == "which":
        parts.which = True


def _cut(rest: str, phrase: str, on_match: object) -> str:
    escaped = re.escape(phrase)
    pattern = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])" if _ASCII_WORD.match(phrase) else escaped
    regex = re.compile(pattern, re.IGNORECASE)
    if regex.search(rest) is None:
        return rest
    on_match()  # type: ignore[operator]
    return regex.sub(" ", rest)


def _cut_near_misses(rest: str, parts: _Parts, phrases: list[tuple[str, str, object]]) -> str:
    """English words left over that are one slip away from a known word (``revnue``, ``platfrom``) count as
    it; fillers are not guessed at (an unknown word must still be reported)."""
    known = {p: (k, v) for p, k, v in phrases if _ASCII_WORD.match(p) and len(p) >= 4 and " " not in p}
    fillers = [f for f in _FILLERS if f.isascii()]
    for word in set(re.findall(r"[A-Za-z]{4,}", rest)):
        lowered = word.lower()
        if lowered in fillers or difflib.get_close_matches(lowered, fillers, n=1, cutoff=0.9):
            continue
        match = difflib.get_close_matches(lowered, list(known), n=1, cutoff=FUZZY_CUTOFF)
        if match:
            kind, payload = known[match[0]]
            _note(parts, kind, payload)
            rest = re.sub(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", " ", rest)
    return rest


def _cut_pairs(rest: str, parts: _Parts, dimension_values: Mapping[str, Sequence[str]]) -> str:
    def pair(match: re.Match[str]) -> str:
        name = next((d for d in dimension_values if d.lower() == match[1].lower()), None)
        value = None
        if name is not None:
            value = next((str(v) for v in dimension_values[name] if str(v).lower() == match[2].lower()), None)
        if name is None or value is None:
            raise QuestionError(
                f"没有「{match[0]}」这个维度取值；可用维度：{', '.join(dimension_values)}",
                f"There is no '{match[0]}'; dimensions: {', '.join(dimension_values)}",
                match[0],
            )
        _note(parts, "value", (name, value))
        return " "

    return _PAIR.sub(pair, rest)


def _cut_top(rest: str, parts: _Parts) -> str:
    match = _TOP.search(rest)
    if match is None:
        return rest
    number = (match[1] or match[2]).lower()
    parts.top = small_number(number)
    return rest[: match.start()] + " " + rest[match.end() :]


def _leftover(rest: str) -> str:
    leftover = _PUNCTUATION.sub(" ", rest)
    for filler in sorted(_FILLERS, key=len, reverse=True):
        pattern = rf"(?<![A-Za-z]){filler}(?![A-Za-z])" if filler.isascii() else re.escape(filler)
        leftover = re.sub(pattern, " ", leftover, flags=re.IGNORECASE)
    return " ".join(leftover.split())


def _question(parts: _Parts, period: Period, *, explicit: bool) -> Question:
    if len(parts.metrics) > 1:
        names = "、".join(sorted(METRICS[m].zh if m in METRICS else "ROI" for m in parts.metrics))
        raise QuestionError(f"一次只能排一个指标（{names}）", f"Rank one metric at a time ({names})")
    dimensions = [d for d in parts.dimensions if d not in parts.scope]
    if len(dimensions) > 1:
        raise QuestionError(
            f"一次只能按一个维度拆分（{'、'.join(dimensions)}）",
            f"Break down by one dimension at a time ({', '.join(dimensions)})",
        )
    metric = next(iter(parts.metrics), None)
    by = dimensions[0] if dimensions else None
    ranked = parts.order is not None or parts.which
    return Question(
        metric=metric,
        by=by,
        period=period,
        scope=dict(parts.scope),
        order=parts.order or "desc",
        ranked=ranked and by is not None,
        top=parts.top,
        explicit_period=explicit,
    )
