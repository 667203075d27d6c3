"""A scan result as terminal text (``memberops scan`` without ``--json``)."""

from __future__ import annotations

from core.detection import Alert, ScanResult
from core.detection.config import DetectionConfig
from core.detection.metric_tree import tree_facts
from core.detection.models import RootCause
from core.narrators.metric_tree import tree_sentence

_SEVERITY = {
    "zh": {"minor": "轻微", "moderate": "中度", "severe": "严重"},
    "en": {"minor": "minor", "moderate": "moderate", "severe": "severe"},
}
_DIRECTION = {"zh": {"up": "↑", "down": "↓"}, "en": {"up": "↑", "down": "↓"}}


def _scope(scope: dict[str, str], language: str) -> str:
    if not scope:
        return "整体" if language == "zh" else "total"
    return " ∧ ".join(f"{k}={v}" for k, v in scope.items())


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.4f}"


def _significance(cause: RootCause, language: str) -> str:
    if cause.z is None:
        return ""
    zh = language == "zh"
    word = ("显著" if zh else "significant") if cause.significant else ("不显著" if zh else "not significant")
    return f"  z={cause.z:+.1f} {word}"


def _alert_lines(alert: Alert, language: str, explained: bool) -> list[str]:
    severity = _SEVERITY[language][alert.severity]
    head = (
        f"{alert.date} [{severity}] {alert.metric_label} {_DIRECTION[language][alert.direction]} "
        f"{_scope(alert.scope, language)}: {_number(alert.value)} vs {_number(alert.expected)} "
        f"({alert.pct_change:+.1%}, z={alert.z:.1f})"
    )
    lines = [head]
    if explained and alert.explained_by:
        lines.append(("    已解释：" if language == "zh" else "    explained: ") + alert.explained_by)
    facts = tree_facts(alert.metric, alert.tree, DetectionConfig().minor)
    if facts is not None:
        lines.append(
            ("    指标关系：" if language == "zh" else "    metric tree: ") + tree_sentence(facts, language)
        )
    for cause in alert.root_causes:
        label = "根因" if language == "zh" else "root cause"
        lines.append(
            f"    {label}: {_scope(cause.slice, language)}  {cause.share:.0%}{_significance(cause, language)}"
        )
    if alert.folded:
        count = len(alert.folded)
        lines.append(
            f"    （另有 {count} 条相关异常已并入）"
            if language == "zh"
            else f"    ({count} related findings folded in)"
        )
    lines.extend(f"    {note}" for note in alert.calendar_notes)
    return lines


def render_scan(result: ScanResult) -> str:
    language = result.language
    lines: list[str] = []
    for status in result.statuses:
        if status.status != "ok":
            prefix = "数据不足" if language == "zh" else "not enough data"
            lines.append(f"{status.date} {prefix}: {status.reason}")
        elif status.calendar_provisional:
            lines.append(
                f"{status.date} "
                + ("日历为临时版本（官方安排未发布）" if language == "zh" else "calendar is provisional")
            )
    if result.alerts:
        lines.append(
            f"异常 {len(result.alerts)} 条：" if language == "zh" else f"{len(result.alerts)} alerts:"
        )
        for alert in result.alerts:
            lines.extend(_alert_lines(alert, language, explained=False))
    else:
        lines.append("没有需要告警的异常。" if language == "zh" else "No alerts.")
    if result.explained:
        lines.append("已解释的变化（不告警）：" if language == "zh" else "Explained moves (not alerted):")
        for alert in result.explained:
            lines.extend(_alert_lines(alert, language, explained=True))
    return "\n".join(lines)
