"""Parsing a goal sentence: ``提升家庭向收入15% 30天`` or ``raise family revenue 15% in 30 days``.

The parser finds three spans and treats what is left as the segment keyword:

* the metric – the longest alias of :data:`core.cube.METRIC_ALIASES` (plus a few phrases such as 会员收入)
  found in the text; English aliases must stand as words;
* the target – a number followed by ``%``/``％``/``个百分点``/``percent``;
* the horizon – a number (digits or 一…十, 两) followed by 天/日/day, 周/week or 个月/月/month; 30 days when
  absent.

Verbs and fillers (提升, raise, within…) are removed; the rest (家庭向, family) becomes ``segment_filter``.
"""

from __future__ import annotations

import re

from core.cube import METRIC_ALIASES
from core.planning.errors import GoalParseError, text_language
from core.planning.goal_models import GoalSpec
from core.text_numbers import CHINESE_NUMERALS

DEFAULT_HORIZON_DAYS = 30
DEFAULT_METRIC = "arpu"
EXTRA_METRIC_ALIASES = {
    "会员收入": "revenue",
    "付费收入": "revenue",
    "income": "revenue",
    "会员转化": "conversion",
    "conversion rate": "conversion",
    "新增会员数": "new_members",
    "续费会员数": "renew_members",
    "renewals": "renew_members",
    "new members": "new_members",
}
ALIASES = {**METRIC_ALIASES, **EXTRA_METRIC_ALIASES}

UNIT_DAYS = {
    "天": 1,
    "日": 1,
    "day": 1,
    "days": 1,
    "d": 1,
    "周": 7,
    "星期": 7,
    "week": 7,
    "weeks": 7,
    "w": 7,
    "个月": 30,
    "月": 30,
    "month": 30,
    "months": 30,
}

TARGET = re.compile(r"(?P<sign>[+-]?)\s*(?P<value>\d+(?:\.\d+)?)\s*(?:%|％|个百分点|percent\b|pct\b)", re.I)
HORIZON = re.compile(
    r"(?P<value>\d+|[一两二三四五六七八九十])\s*(?P<unit>个月|星期|天|日|周|月|months?\b|weeks?\b|days?\b|[dw]\b)",
    re.I,
)
FILLERS = re.compile(
    r"提升|提高|增加|增长|拉升|拉高|做到|达到|实现|目标|以内|之内|范围内|在|内|的|让|把|将|使|到|"
    r"\b(?:raise|increase|improve|grow|boost|lift|by|in|within|over|the|next|of|for|to|target|goal|"
    r"segment|users?|get|make|reach|a|an)\b",
    re.I,
)
PUNCTUATION = re.compile(r"[\s,，。.;；:：!！?？/（）()\[\]【】\"'“”]+")


def _find_metric(text: str) -> tuple[str | None, tuple[int, int] | None]:
    lowered = text.lower()
    for alias in sorted(ALIASES, key=len, reverse=True):
        pattern = re.escape(alias)
        if alias.isascii():
            pattern = rf"(?<![a-z]){pattern}(?![a-z])"
        match = re.search(pattern, lowered)
        if match:
            return ALIASES[alias], match.span()
    return None, None


def _horizon_days(match: re.Match[str]) -> int:
    raw = match["value"]
    number = int(raw) if raw.isdigit() else CHINESE_NUMERALS[raw]
    return number * UNIT_DAYS[match["unit"].lower()]


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


def parse_goal(text: str, *, require_target: bool = True, language: str | None = None) -> GoalSpec:
    """Parse a goal; raises :class:`GoalParseError` (message in the text's language) when unusable.

    With ``require_target=False`` (``/strategy``) a missing metric defaults to 边现 and a missing target to
    ``None``.
    """
    language = language or text_language(text)
    raw = (text or "").strip()
    if not raw:
        raise GoalParseError("empty", language)
    rest = raw
    metric, span = _find_metric(rest)
    if span is not None:
        rest = _blank(rest, span)
    if metric is None and require_target:
        raise GoalParseError("no_metric", language)

    target_lift = None
    target = TARGET.search(rest)
    if target is not None:
        value = float(target["value"]) * (-1 if target["sign"] == "-" else 1)
        if not -90 <= value <= 500:
            raise GoalParseError("bad_target", language, value=f"{value:g}")
        target_lift = value / 100
        rest = _blank(rest, target.span())
    elif require_target:
        raise GoalParseError("no_target", language)

    horizon = HORIZON.search(rest)
    horizon_days = DEFAULT_HORIZON_DAYS if horizon is None else _horizon_days(horizon)
    if not 1 <= horizon_days <= 365:
        raise GoalParseError("bad_horizon", language, value=horizon_days)
    if horizon is not None:
        rest = _blank(rest, horizon.span())

    keyword = PUNCTUATION.sub(" ", FILLERS.sub(" ", rest)).strip()
    keyword = re.sub(r"^(?:会员|members?)\s*|\s*(?:会员|members?)$", "", keyword, flags=re.I).strip()
    return GoalSpec(
        metric=metric or DEFAULT_METRIC,
        target_lift=target_lift,
        horizon_days=horizon_days,
        segment_filter=re.sub(r"\s+", " ", keyword) or None,
        raw=raw,
        horizon_defaulted=horizon is None,
        metric_defaulted=metric is None,
    )
