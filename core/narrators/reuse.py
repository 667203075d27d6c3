"""The reuse suggestion for a past campaign found by ``/search``: its facts and the offline narrator.

``reuse_facts`` puts the campaign's record next to the library's medians (ROI, 边现 lift, revenue lift), so
the suggestion can say whether the campaign is worth copying as it was or only as a starting point.
``narrate_reuse`` writes the :class:`~core.ai.sections.ReuseSuggestion` from those facts alone:

* the suggestion names what to reuse (segment, content mix, positions, discount, duration) and compares
  ROI and 边现 lift with the library median; the verdict is "reuse as is" when both are at least the
  median, "not as is" when ROI < 1, otherwise "borrow the idea, adjust the rest";
* the adjustments, most important first (at most five): ROI below 1, ROI below the median, 边现 lift
  below the median, a missed 边现 target, a budget overrun, an expensive discount, a weak match with the
  query; with nothing to fix, keep the set-up and check capacity and titles before launch.

Every number written is a field of :class:`ReuseFacts`, formatted to fewer decimals than it holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from core.ai.sections import ReuseSuggestion
from core.importing import split_positions
from core.narrators.text_fit import PARAGRAPH_LIMIT, clip
from core.search import SearchHit

LOW_SIMILARITY = 0.5
MAX_ADJUSTMENTS = 5


class LibraryBenchmarks(BaseModel):
    """Medians of the experience library, the yardstick a campaign is judged against."""

    campaigns: int
    median_roi: float | None = None
    median_arpu_lift: float | None = None
    median_revenue_lift: float | None = None


class ReuseFacts(BaseModel):
    """A past campaign proposed for reuse, how well it matched the query, and the library's medians."""

    campaign_id: str
    name: str = ""
    strategy_tag: str = ""
    target_segment: str = ""
    content_mix: str = ""
    resource_positions: list[str] = Field(default_factory=list)
    discount: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    duration_days: int | None = None
    budget_planned: float | None = None
    budget_used: float | None = None
    budget_usage: float | None = Field(None, description="budget_used / budget_planned")
    target_arpu_lift: float | None = None
    arpu_lift: float | None = None
    revenue_lift: float | None = None
    roi: float | None = None
    similarity: float = Field(ge=0.0, le=1.0)
    matched_terms: list[str] = Field(default_factory=list)
    library: LibraryBenchmarks


def library_benchmarks(campaigns: pd.DataFrame) -> LibraryBenchmarks:
    """Library size and the medians of ROI and lifts (NaN and missing values ignored)."""

    def median(column: str) -> float | None:
        if column not in campaigns:
            return None
        values = pd.to_numeric(campaigns[column], errors="coerce").dropna()
        return float(np.median(values)) if len(values) else None

    return LibraryBenchmarks(
        campaigns=len(campaigns),
        median_roi=median("roi"),
        median_arpu_lift=median("arpu_lift"),
        median_revenue_lift=median("revenue_lift"),
    )


def reuse_facts(record: Mapping[str, object], hit: SearchHit, library: LibraryBenchmarks) -> ReuseFacts:
    """Facts of one search hit: ``record`` is its row of the campaign table."""
    start, end = _date(record.get("start_date")), _date(record.get("end_date"))
    planned, used = _number(record.get("budget_planned")), _number(record.get("budget_used"))
    return ReuseFacts(
        campaign_id=str(record.get("campaign_id")),
        name=_text(record.get("name")),
        strategy_tag=_text(record.get("strategy_tag")),
        target_segment=_text(record.get("target_segment")),
        content_mix=_text(record.get("content_mix")),
        resource_positions=split_positions(record.get("resource_positions")),
        discount=_text(record.get("discount")),
        start_date=start,
        end_date=end,
        duration_days=(end - start).days + 1 if start and end else None,
        budget_planned=planned,
        budget_used=used,
        budget_usage=used / planned if used is not None and planned else None,
        target_arpu_lift=_number(record.get("target_arpu_lift")),
        arpu_lift=_number(record.get("arpu_lift")),
        revenue_lift=_number(record.get("revenue_lift")),
        roi=_number(record.get("roi")),
        similarity=hit.similarity,
        matched_terms=list(hit.matched_terms),
        library=library,
    )


def narrate_reuse(facts: BaseModel, language: str = "zh") -> ReuseSuggestion:
    """The offline reuse suggestion (deterministic; zh or en)."""
    assert isinstance(facts, ReuseFacts)
    zh = language == "zh"
    suggestion = clip(
        _setup_sentence(facts, zh) + _comparison_sentence(facts, zh) + _verdict(facts, zh), PARAGRAPH_LIMIT
    )
    adjustments = [clip(a) for a in _adjustments(facts, zh)[:MAX_ADJUSTMENTS]]
    return ReuseSuggestion(suggestion=suggestion, adjustments=adjustments)


# -- sentences -------------------------------------------------------------------------------------------


def _setup_sentence(f: ReuseFacts, zh: bool) -> str:
    parts = []
    if f.target_segment:
        parts.append(f"面向{f.target_segment}" if zh else f"segment {f.target_segment}")
    if f.content_mix:
        parts.append(f"内容{f.content_mix}" if zh else f"content {f.content_mix}")
    if f.resource_positions:
        positions = "、".join(f.resource_positions) if zh else ", ".join(f.resource_positions)
        parts.append(f"资源位{positions}" if zh else f"positions {positions}")
    if f.discount:
        parts.append(f"优惠{f.discount}" if zh else f"discount {f.discount}")
    if f.duration_days:
        parts.append(f"为期{f.duration_days}天" if zh else f"{f.duration_days} days")
    name = f"「{f.name}」（{f.campaign_id}）" if zh else f"'{f.name}' ({f.campaign_id})"
    if zh:
        return f"可复用{name}的打法：" + "，".join(parts) + "。" if parts else f"可复用{name}的打法。"
    return f"Reuse the set-up of {name}: " + "; ".join(parts) + ". " if parts else f"Reuse {name}. "


def _comparison_sentence(f: ReuseFacts, zh: bool) -> str:
    bench = f.library
    parts = []
    if f.roi is not None:
        median = f"，经验库中位数{bench.median_roi:.2f}" if bench.median_roi is not None else ""
        median_en = f" (library median {bench.median_roi:.2f})" if bench.median_roi is not None else ""
        parts.append(f"ROI {f.roi:.2f}{median}" if zh else f"ROI {f.roi:.2f}{median_en}")
    if f.arpu_lift is not None:
        m = bench.median_arpu_lift
        median = f"，中位数{m:+.1%}" if m is not None else ""
        median_en = f" (median {m:+.1%})" if m is not None else ""
        parts.append(
            f"边现提升{f.arpu_lift:+.1%}{median}" if zh else f"边现 lift {f.arpu_lift:+.1%}{median_en}"
        )
    if f.revenue_lift is not None:
        parts.append(f"收入提升{f.revenue_lift:+.1%}" if zh else f"revenue lift {f.revenue_lift:+.1%}")
    if not parts:
        return ""
    return "；".join(parts) + "。" if zh else "; ".join(parts) + ". "


def _verdict(f: ReuseFacts, zh: bool) -> str:
    if f.roi is not None and f.roi < 1:
        return (
            "ROI低于1、未收回成本，不建议原样复用，只借鉴思路。"
            if zh
            else ("ROI below 1 (cost not earned back): borrow the idea, do not copy it as is.")
        )
    if _at_least(f.roi, f.library.median_roi) and _at_least(f.arpu_lift, f.library.median_arpu_lift):
        return (
            "表现不低于经验库中位水平，可以按原配置复用。"
            if zh
            else ("It did at least as well as the library median: reuse it as it was.")
        )
    return (
        "表现低于经验库中位水平，建议借鉴人群与内容思路，并按下列调整执行。"
        if zh
        else ("It did worse than the library median: keep the idea, apply the adjustments below.")
    )


def _adjustments(f: ReuseFacts, zh: bool) -> list[str]:
    bench = f.library
    items: list[str] = []
    if f.roi is not None and f.roi < 1:
        items.append(
            f"ROI {f.roi:.2f}低于1：先用小预算试投，确认回本后再放量"
            if zh
            else f"ROI {f.roi:.2f} is below 1: start with a small budget and scale only once it pays back"
        )
    elif f.roi is not None and bench.median_roi is not None and f.roi < bench.median_roi:
        items.append(
            f"ROI {f.roi:.2f}低于中位数{bench.median_roi:.2f}：收缩曝光面，预算先给效果最好的资源位"
            if zh
            else f"ROI {f.roi:.2f} is under the median {bench.median_roi:.2f}: "
            "narrow the exposure and fund the best position first"
        )
    if (
        f.arpu_lift is not None
        and bench.median_arpu_lift is not None
        and f.arpu_lift < bench.median_arpu_lift
    ):
        segment = f"{f.target_segment}" if f.target_segment else ("目标人群" if zh else "the segment")
        items.append(
            f"边现提升{f.arpu_lift:+.1%}低于中位数{bench.median_arpu_lift:+.1%}：内容配比向{segment}偏好的内容倾斜"
            if zh
            else f"边现 lift {f.arpu_lift:+.1%} is under the median {bench.median_arpu_lift:+.1%}: "
            f"tilt the content mix towards what {segment} prefers"
        )
    if f.target_arpu_lift is not None and f.arpu_lift is not None and f.arpu_lift < f.target_arpu_lift:
        items.append(
            f"上次边现未达目标{f.target_arpu_lift:.1%}：目标设得更稳妥，或在D3评估是否加码"
            if zh
            else f"边现 missed its {f.target_arpu_lift:.1%} target last time: "
            "set a safer target or decide on D3 whether to add push"
        )
    if f.budget_usage is not None and f.budget_usage > 1:
        items.append(
            f"上次预算使用{f.budget_usage:.0%}，超出计划：设置每日消耗上限"
            if zh
            else f"Last time {f.budget_usage:.0%} of the budget was used: set a daily spending cap"
        )
    if f.discount and f.roi is not None and bench.median_roi is not None and f.roi < bench.median_roi:
        items.append(
            f"优惠「{f.discount}」回报一般：可试更浅的折扣或缩短优惠期"
            if zh
            else f"The discount '{f.discount}' paid off poorly: try a shallower one or a shorter window"
        )
    if f.similarity < LOW_SIMILARITY:
        terms = "、".join(f.matched_terms) if zh else ", ".join(f.matched_terms)
        items.append(
            f"与查询的相似度仅{f.similarity:.0%}（命中：{terms}）：先核对人群与内容是否相符"
            if zh
            else f"Only {f.similarity:.0%} similar to the query (matched: {terms}): "
            "check the segment and content fit first"
        )
    if not items:
        items.append(
            "保持人群、内容配比与资源位不变，沿用原活动节奏"
            if zh
            else "Keep the segment, content mix and positions, and the original pacing"
        )
        items.append(
            "上线前核对资源位容量与当期片单是否仍可用"
            if zh
            else "Before launch, check the positions' capacity and that the titles are still available"
        )
    return items


# -- helpers ---------------------------------------------------------------------------------------------


def _at_least(value: float | None, reference: float | None) -> bool:
    return value is not None and (reference is None or value >= reference)


def _text(value: object) -> str:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value).strip()


def _number(value: object) -> float | None:
    if value is None or isinstance(value, str) or not pd.api.types.is_scalar(value) or pd.isna(value):
        return None
    return float(value)  # type: ignore[arg-type]


def _date(value: object) -> dt.date | None:
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()
