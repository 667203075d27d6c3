"""The words of the documents in zh and en: metric names, column headers, headings and check phrases."""

from __future__ import annotations

from typing import Literal

from core.cube import METRICS
from core.documents.layout import ColumnKind

Language = Literal["zh", "en"]

EXTRA_METRICS: dict[str, tuple[str, str]] = {"roi": ("ROI", "ROI"), "budget": ("预算", "Budget")}


def pick(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en


def metric_label(metric: str, language: str) -> str:
    """The metric's display name (``边现`` / ``ARPU (边现)``); unknown codes are shown as they are."""
    if metric in METRICS:
        return METRICS[metric].label(language)
    if metric in EXTRA_METRICS:
        zh, en = EXTRA_METRICS[metric]
        return pick(language, zh, en)
    return metric


def metric_kind(metric: str) -> ColumnKind:
    """The column kind a metric's values are shown with."""
    if metric in ("conversion",):
        return "percent"
    if metric in ("arpu", "roi"):
        return "number"
    if metric in ("revenue", "budget"):
        return "money"
    return "int"


def metric_file_code(metric: str, language: str) -> str:
    """The metric as it appears in a file name: 边现 in zh, arpu in en."""
    if language == "zh" and metric in METRICS:
        return METRICS[metric].zh
    return metric


# extra checklist codes (ChecklistItem.code) and how they are phrased; {subject} is the item's subject
CHECK_PHRASES: dict[str, tuple[str, str]] = {
    "position_live": (
        "确认资源位「{subject}」已上线、素材展示正常",
        "Confirm position '{subject}' is live and creatives show",
    ),
    "discount_configured": (
        "确认优惠「{subject}」已配置且可核销",
        "Confirm discount '{subject}' is configured and redeemable",
    ),
    "content_on_shelf": (
        "确认内容「{subject}」片单已上架",
        "Confirm the '{subject}' titles are on the shelf",
    ),
    "tracking_ready": (
        "确认埋点与数据看板已就绪，记录基线",
        "Confirm tracking and dashboards work; record the baseline",
    ),
    "early_read": (
        "对比DAU、转化率与基线，检查资源位点击率",
        "Compare DAU and conversion with the baseline; check position CTR",
    ),
    "budget_pace": ("检查预算消耗进度（不超过计划进度）", "Check the budget burn (not ahead of plan)"),
    "mid_course": (
        "评估边现是否达到目标进度，必要时调整内容配比/资源位",
        "Check ARPU against the target; adjust mix or positions if behind",
    ),
    "reallocate": ("将预算向ROI更高的资源位倾斜", "Shift budget towards the positions with higher ROI"),
    "final_review": ("汇总最终KPI与ROI，对照目标", "Collect final KPIs and ROI against the targets"),
    "save_retro": ("发起 /mo-retro 复盘并存入经验库", "Run /mo-retro and save the retro to the library"),
    "watch_position": (
        "重点关注资源位「{subject}」的投入产出（上次ROI偏低）",
        "Watch position '{subject}' closely (low ROI last time)",
    ),
    "watch_content": (
        "重点关注内容「{subject}」的表现（上次ROI偏低）",
        "Watch content '{subject}' closely (low ROI last time)",
    ),
    "watch_budget": ("严控预算，上次预算超支", "Keep a tight grip on the budget (overspent last time)"),
    "watch_target": (
        "上次边现未达目标，D3即评估是否需要加码",
        "ARPU missed the target last time: decide on D3 whether to add push",
    ),
}


def check_phrase(code: str, subject: str, language: str) -> str:
    zh, en = CHECK_PHRASES.get(code, (code, code))
    return pick(language, zh, en).format(subject=subject)


SHORTFALL_PHRASES: dict[str, tuple[str, str]] = {
    "arpu_target_missed": ("边现提升未达目标", "ARPU lift below target"),
    "roi_below_one": ("ROI低于1（未收回成本）", "ROI below 1 (cost not earned back)"),
    "budget_overrun": ("预算超支", "Budget overrun"),
    "budget_underused": ("预算使用不足80%", "Budget under 80% used"),
    "metric_declined": ("指标较活动前下降", "Metric fell against the pre-period"),
    "driver_declined": ("该维度值收入下降", "Revenue of this value fell"),
    "low_roi_position": ("资源位ROI低于1", "Position ROI below 1"),
    "low_roi_content": ("内容ROI低于1", "Content ROI below 1"),
}

NOTE_PHRASES: dict[str, tuple[str, str]] = {
    "missing_pre_period": (
        "活动前同长度时段无数据，无法对比",
        "No data in the pre-period; lifts are unknown",
    ),
    "thin_pre_period": (
        "活动前同长度时段只有 {before} 天有数据（共 {length} 天），不做前后对比",
        "Only {before} of the pre-period's {length} days have data; no before/after comparison",
    ),
    "partial_days": (
        "前后对比按日均计算：活动前 {before} 天、活动期 {during} 天有数据（各 {length} 天）",
        "Before/after compared by daily averages: {before} days with data before, {during} during (of {length} each)",
    ),
    "segment_not_in_cube": (
        "目标人群不在数据中，按全量统计",
        "Target segment not in the cube; measured on all data",
    ),
}


def shortfall_phrase(code: str, language: str) -> str:
    zh, en = SHORTFALL_PHRASES.get(code, (code, code))
    return pick(language, zh, en)


def note_phrase(code: str, language: str, **values: object) -> str:
    """The caveat ``code`` in words; ``values`` fill its numbers (days with data: ``before``, ``during``,
    ``length``)."""
    zh, en = NOTE_PHRASES.get(code, (code, code))
    return pick(language, zh, en).format(**values) if values else pick(language, zh, en)
