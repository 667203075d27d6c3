"""The metric-tree line of an alert: "收入 -9.0%，由 DAU -9.0% 引起；边现持平" (facts: ``core.detection.metric_tree``)."""

from __future__ import annotations

from core.cube import METRICS
from core.detection.metric_tree import TreeFacts
from core.narrators.planning_format import pct


def tree_sentence(facts: TreeFacts, language: str = "zh") -> str:
    zh = language == "zh"

    def label(metric: str) -> str:
        return METRICS[metric].label("zh" if zh else "en")

    followers = ("、" if zh else ", ").join(f"{label(m)} {pct(c)}" for m, c in facts.followers.items())
    driver = f"{label(facts.driver)} {pct(facts.driver_change)}"
    flat = [label(m) for m in facts.flat]
    moved = [f"{label(m)} {pct(c)}" for m, c in facts.others.items() if m not in facts.flat]
    if zh:
        parts = [f"{followers}，由 {driver} 引起"]
        if flat:
            joined = "、".join(flat)
            parts.append(joined + (" 持平" if joined[-1].isascii() else "持平"))
        if moved:
            parts.append("另有 " + "、".join(moved))
        return "；".join(parts)
    parts = [f"{followers}, caused by {driver}"]
    if flat:
        parts.append(" and ".join(flat) + " flat")
    if moved:
        parts.append("also " + ", ".join(moved))
    return "; ".join(parts)
