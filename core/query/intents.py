"""Which command a question in plain words asks for, by its words (为什么… → /why, 能不能… → /goal, …).

Breakdown questions (a metric by a dimension over a period) are recognised by parsing them
(:mod:`core.query.question`), not by keywords; these are the other commands' telltale words.
"""

from __future__ import annotations

import re

WHY_WORDS: tuple[str, ...] = ("为什么", "为啥", "怎么回事", "什么原因", "原因", "归因", "why")
INTENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("budget", ("预算", "budget")),
    ("goal", ("能不能", "能否", "可不可以", "能达到", "有没有可能", "可行", "做得到", "can we", "feasible")),
    ("retro", ("复盘", "效果如何", "效果怎么样", "retro")),
    ("abtest", ("实验", "a/b", "ab测试", "abtest", "a/b test")),
    ("strategy", ("怎么提升", "如何提升", "怎样提升", "怎么提高", "如何提高", "策略", "推荐", "how to", "how can",
                  "strategy")),
    ("search", ("类似的活动", "历史活动", "以前的活动", "过去的活动", "搜索", "搜一下", "找一下", "similar campaigns",
                "past campaigns")),
    ("kpi", ("看板", "总览", "概览", "整体情况", "overview", "dashboard", "how are we doing")),
)  # fmt: skip


_HOW_COME = re.compile(r"怎么(会|就)?(变少|变低|少了|低了|掉|下降|下滑|跌|降|涨|上升|变多|变高)")


def asks_why(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in WHY_WORDS) or _HOW_COME.search(text) is not None


def intent_of(text: str) -> tuple[str, str] | None:
    """The command whose telltale words ``text`` holds (the first in ``INTENTS`` order) and the text
    without those words (what the command's own parser reads), or None."""
    lowered = text.lower()
    for name, words in INTENTS:
        found = [w for w in words if w in lowered]
        if found:
            return name, _without(text, found)
    return None


def _without(text: str, words: list[str]) -> str:
    for word in sorted(words, key=len, reverse=True):
        at = text.lower().find(word)
        if at >= 0:
            text = text[:at] + " " + text[at + len(word) :]
    return " ".join(text.split()).lstrip("把将让 ")
