"""Parsing ``/budget`` arguments: ``家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万 30天``.

* budget – ``预算50万`` / ``budget 500k`` / ``budget=500000`` (万 and w = 10 000, k/千 = 1 000, m = 10⁶);
* days – ``30天`` / ``30 days`` / ``days=30`` (30 when absent);
* ``人群=…``/``segment=…`` and ``优惠=…``/``discount=…`` name the target segment and the discount;
* ``name=value`` is a position's usage: a fraction (0.6) or a percentage (60, 60%);
* ``name value`` (``家庭剧70``, ``家庭剧:70%``) is a content share; shares are normalised to sum to 1.

Anything else is reported back (``bad_token``) instead of being silently ignored.
"""

from __future__ import annotations

import re

from core.planning.errors import BudgetParseError, text_language
from core.planning.plan_models import BudgetInput

DEFAULT_DAYS = 30
MULTIPLIERS = {"万": 1e4, "w": 1e4, "k": 1e3, "千": 1e3, "m": 1e6, "元": 1.0, "": 1.0}
NUMBER = r"\d+(?:\.\d+)?"
BUDGET = re.compile(
    rf"(?:预算|budget)\s*[=:]?\s*(?P<value>{NUMBER})\s*(?P<unit>万|千|元|[wkm](?![a-z]))?", re.I
)
KEYED = re.compile(r"(?P<key>人群|segment|优惠|discount)\s*[=:]\s*(?P<value>[^\s,，;；]+)", re.I)
DAYS = re.compile(r"(?:(?:周期|天数|days)\s*[=:]\s*(?P<a>\d+))|(?:(?P<b>\d+)\s*(?:天|日|days?\b))", re.I)
USAGE = re.compile(rf"(?P<name>[^\s=,，;；:]+)\s*=\s*(?P<value>{NUMBER})\s*(?P<percent>%|％)?")
CONTENT = re.compile(rf"(?P<name>[^\s=,，;；:\d%％]+)\s*:?\s*(?P<value>{NUMBER})\s*(?:%|％)?")
FILLER_WORDS = re.compile(
    r"/(?:mo-)?budget|\b(?:content|contents|mix|positions?|usage|and|with)\b|内容|配比|资源位|占用", re.I
)


def _blank(text: str, match: re.Match[str]) -> str:
    start, end = match.span()
    return text[:start] + " " * (end - start) + text[end:]


def parse_budget_args(text: str, language: str | None = None) -> BudgetInput:
    """Parse ``/budget`` arguments; raises :class:`BudgetParseError` (zh/en, with an example)."""
    language = language or text_language(text)
    raw = (text or "").strip()
    if not raw:
        raise BudgetParseError("empty", language)
    rest = raw.replace("＝", "=").replace("：", ":").replace("，", " ").replace(",", " ")

    budget_match = BUDGET.search(rest)
    if budget_match is None:
        raise BudgetParseError("no_budget", language)
    budget = float(budget_match["value"]) * MULTIPLIERS[(budget_match["unit"] or "").lower()]
    rest = _blank(rest, budget_match)

    keyed: dict[str, str] = {}
    while (match := KEYED.search(rest)) is not None:
        key = "segment" if match["key"].lower() in ("人群", "segment") else "discount"
        keyed[key] = match["value"]
        rest = _blank(rest, match)

    days = DEFAULT_DAYS
    if (match := DAYS.search(rest)) is not None:
        days = int(match["a"] or match["b"])
        rest = _blank(rest, match)

    usage: dict[str, float] = {}
    while (match := USAGE.search(rest)) is not None:
        value = float(match["value"])
        if match["percent"] or value > 1:
            value /= 100
        if not 0 <= value <= 1:
            raise BudgetParseError("bad_usage", language, position=match["name"], value=match["value"])
        usage[match["name"]] = value
        rest = _blank(rest, match)

    content: dict[str, float] = {}
    while (match := CONTENT.search(rest)) is not None:
        content[match["name"]] = float(match["value"])
        rest = _blank(rest, match)

    leftover = FILLER_WORDS.sub(" ", rest).split()
    if leftover:
        raise BudgetParseError("bad_token", language, token=leftover[0])
    if not content or sum(content.values()) <= 0:
        raise BudgetParseError("no_content", language)
    if not usage:
        raise BudgetParseError("no_position", language)
    total = sum(content.values())
    return BudgetInput(
        content_ratio={name: share / total for name, share in content.items()},
        position_usage=usage,
        budget=budget,
        days=days,
        segment=keyed.get("segment"),
        discount=keyed.get("discount"),
        raw=raw,
    )
