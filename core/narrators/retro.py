"""The offline retro narrative (复盘): summary, drivers, improvements and next-time advice from RetroFacts.

* **summary** – the period, 边现 / revenue / DAU lifts against the equally long period before, the 边现
  target and whether it was met, ROI (recorded when the campaign has one, else measured) and budget use;
* **drivers** – per dimension with more than one value, the value that carried most of the revenue change
  and its share, dimensions ordered by that share (the most concentrated driver first), at most four;
* **improvements** – one line per shortfall, in order of weight: missed target, ROI < 1, budget
  overrun / under-use, low-ROI positions and content, declined drivers, declined metrics (at most five);
* **next_time** – the best position and content by ROI (when they paid back), keep or revise the
  segment/discount, re-base a missed target on what was achieved, and save the retro to the library.

Only numbers of the facts are written (rounded), so the number guard passes on every output.
"""

from __future__ import annotations

from pydantic import BaseModel

from core.ai.sections import RetroNarrative
from core.cube import METRICS
from core.narrators.planning_format import metric_value, pct, ratio
from core.narrators.text_fit import PARAGRAPH_LIMIT, clip
from core.retro.models import RetroFacts, Shortfall

MAX_DRIVERS = 4
MAX_ITEMS = 5
SHORTFALL_ORDER: tuple[str, ...] = (
    "arpu_target_missed",
    "roi_below_one",
    "budget_overrun",
    "budget_underused",
    "low_roi_position",
    "low_roi_content",
    "driver_declined",
    "metric_declined",
)


def narrate_retro(facts: BaseModel, language: str = "zh") -> RetroNarrative:
    """The offline retro narrative (deterministic; zh or en)."""
    assert isinstance(facts, RetroFacts)
    zh = language == "zh"
    improvements = [_improvement(s, zh) for s in _ordered_shortfalls(facts.shortfalls)][:MAX_ITEMS]
    return RetroNarrative(
        summary=clip(_summary(facts, zh), PARAGRAPH_LIMIT),
        drivers=[clip(d) for d in _drivers(facts, zh)],
        improvements=[clip(i) for i in improvements],
        next_time=[clip(n) for n in _next_time(facts, zh)][:MAX_ITEMS],
    )


def retro_roi(facts: RetroFacts) -> float | None:
    """The ROI a retro is judged by: the recorded one when the campaign has it, else the measured one."""
    return facts.plan.judged_roi


# -- summary ---------------------------------------------------------------------------------------------


def _lift_text(lift: float | None, zh: bool) -> str:
    if lift is None:
        return "无基线" if zh else "no baseline"
    return pct(lift)


def _summary(facts: RetroFacts, zh: bool) -> str:
    period = f"{facts.target.start}~{facts.target.end}"
    subject = facts.title if facts.target.kind == "campaign" else ("复盘" if zh else "Retro")
    arpu, revenue, dau = facts.metric("arpu"), facts.metric("revenue"), facts.metric("dau")
    plan = facts.plan
    if zh:
        text = (
            f"{subject}（{period}，对比前一同长度时段）：边现{_lift_text(arpu.lift, zh)}，"
            f"收入{_lift_text(revenue.lift, zh)}，DAU{_lift_text(dau.lift, zh)}。"
        )
    else:
        text = (
            f"{subject} ({period}, against the equally long period before): 边现 "
            f"{_lift_text(arpu.lift, zh)}, revenue {_lift_text(revenue.lift, zh)}, DAU {_lift_text(dau.lift, zh)}. "
        )
    if plan.target_arpu_lift is not None and plan.arpu_target_met is not None:
        met = plan.arpu_target_met
        text += (
            f"边现目标{plan.target_arpu_lift:.1%}{'已达成' if met else '未达成'}。"
            if zh
            else f"The {plan.target_arpu_lift:.1%} 边现 target was {'met' if met else 'missed'}. "
        )
    roi = retro_roi(facts)
    if roi is not None:
        kind = (
            ("记录" if zh else "recorded")
            if plan.recorded_roi is not None
            else ("前后对比" if zh else "before/after")
        )
        text += f"{kind}ROI {roi:.2f}" if zh else f"ROI ({kind}) {roi:.2f}"
        if plan.budget_usage is not None:
            text += (
                f"，预算使用{plan.budget_usage:.0%}"
                if zh
                else f", {plan.budget_usage:.0%} of the budget used"
            )
        text += "。" if zh else ". "
    return text.strip()


# -- drivers ---------------------------------------------------------------------------------------------


def _drivers(facts: RetroFacts, zh: bool) -> list[str]:
    tops = [
        values[0]
        for values in facts.drivers.values()
        if len(values) > 1 and values[0].share is not None and values[0].change != 0
    ]
    tops.sort(key=lambda d: (-(d.share or 0.0), d.dimension))
    lines = [
        f"{d.dimension}「{d.value}」贡献收入变化的{d.share:.0%}（{_money(d.revenue_before)}→{_money(d.revenue_during)}）"
        if zh
        else f"{d.dimension} '{d.value}' carried {d.share:.0%} of the revenue change "
        f"({_money(d.revenue_before)} → {_money(d.revenue_during)})"
        for d in tops[:MAX_DRIVERS]
    ]
    if not lines and facts.metric("revenue").lift is None:
        lines.append(
            "活动前没有可对比的数据，无法分解收入变化的来源"
            if zh
            else "No comparable data before the period: the revenue change cannot be broken down"
        )
    elif not lines:
        lines.append(
            "收入与活动前基本持平，没有突出的贡献来源"
            if zh
            else "Revenue was flat against the period before: no value stands out"
        )
    return lines


# -- improvements ----------------------------------------------------------------------------------------


def _ordered_shortfalls(shortfalls: list[Shortfall]) -> list[Shortfall]:
    return sorted(
        shortfalls, key=lambda s: SHORTFALL_ORDER.index(s.code) if s.code in SHORTFALL_ORDER else 99
    )


# The phrase of each shortfall code (zh, en); placeholders are filled by :func:`_improvement`.
IMPROVEMENTS: dict[str, tuple[str, str]] = {
    "arpu_target_missed": (
        "边现提升{actual_pct}未达目标{reference_pct}：D3评估进度，落后时加码高ROI资源位",
        "边现 lift {actual_pct} missed the {reference_pct} target: "
        "check on D3 and add push on high-ROI positions when behind",
    ),
    "roi_below_one": (
        "ROI {actual_ratio}低于1：收缩低效投放，先小流量验证再放量",
        "ROI {actual_ratio} is below 1: cut inefficient spend, test small before scaling",
    ),
    "budget_overrun": (
        "花费{actual_money}元，超出计划{reference_money}元：设置每日消耗上限",
        "Spent {actual_money} against a plan of {reference_money}: set a daily spending cap",
    ),
    "budget_underused": (
        "预算只用了{actual_money}元（计划{reference_money}元）：提前锁定资源位排期，避免空档",
        "Only {actual_money} of {reference_money} was spent: book the positions earlier",
    ),
    "low_roi_position": (
        "资源位「{subject}」ROI {actual_ratio}：削减其预算或更换素材",
        "Position '{subject}' returned ROI {actual_ratio}: cut its budget or change the creative",
    ),
    "low_roi_content": (
        "内容「{subject}」ROI {actual_ratio}：降低其配比或更新片单",
        "Content '{subject}' returned ROI {actual_ratio}: lower its share or refresh the titles",
    ),
    "driver_declined": (
        "「{subject}」收入由{reference_money}降到{actual_money}：检查该部分的投放与内容",
        "'{subject}' revenue fell from {reference_money} to {actual_money}: review its placement and content",
    ),
    "metric_declined": (
        "{label}较活动前下降（{reference_metric}→{actual_metric}）：排查同期竞品与渠道变化",
        "{label} fell against the period before ({reference_metric} → {actual_metric}): "
        "check competitors and channels",
    ),
}


def _improvement(s: Shortfall, zh: bool) -> str:
    """The shortfall's phrase with its numbers written the way its code needs (unknown codes: the metric
    phrase, as for ``metric_declined``)."""
    a, r = s.actual, s.reference
    zh_text, en_text = IMPROVEMENTS.get(s.code, IMPROVEMENTS["metric_declined"])
    return (zh_text if zh else en_text).format(
        subject=s.subject,
        label=METRICS[s.subject].label("zh" if zh else "en") if s.subject in METRICS else s.subject,
        actual_pct=pct(a),
        reference_pct=pct(r, signed=False),
        actual_ratio=ratio(a),
        actual_money=_money(a),
        reference_money=_money(r),
        actual_metric=metric_value(s.subject, a),
        reference_metric=metric_value(s.subject, r),
    )


# -- next time -------------------------------------------------------------------------------------------


def _next_time(facts: RetroFacts, zh: bool) -> list[str]:
    items: list[str] = []
    if facts.roi_by_position and facts.roi_by_position[0].roi >= 1:
        best = facts.roi_by_position[0]
        items.append(
            f"优先投放资源位「{best.value}」（ROI {best.roi:.2f}，排名第1）"
            if zh
            else f"Put position '{best.value}' first (ROI {best.roi:.2f}, ranked 1)"
        )
    if facts.roi_by_content and facts.roi_by_content[0].roi >= 1:
        best = facts.roi_by_content[0]
        items.append(
            f"内容优先「{best.value}」（ROI {best.roi:.2f}）"
            if zh
            else f"Lead with '{best.value}' content (ROI {best.roi:.2f})"
        )
    template, plan, roi = facts.template, facts.plan, retro_roi(facts)
    paid_back = roi is not None and roi >= 1 and plan.arpu_target_met is not False
    if template.segment and paid_back:
        discount = f"与优惠「{template.discount}」" if zh and template.discount else ""
        discount_en = f" with the '{template.discount}' discount" if template.discount else ""
        items.append(
            f"沿用人群「{template.segment}」{discount}的组合"
            if zh
            else f"Keep targeting '{template.segment}'{discount_en}"
        )
    elif template.segment and roi is not None:
        items.append(
            f"重新评估人群「{template.segment}」的内容偏好与价格敏感度后再投放"
            if zh
            else f"Re-check what '{template.segment}' prefers and how price-sensitive it is before the next run"
        )
    if plan.arpu_target_met is False and plan.measured_arpu_lift is not None:
        items.append(
            f"下次边现目标参考本次实测{plan.measured_arpu_lift:+.1%}设定，或提高资源投入"
            if zh
            else f"Base the next 边现 target on the {plan.measured_arpu_lift:+.1%} achieved, or invest more"
        )
    items.append(
        "执行模板已写入本次教训（D3/D5检查），复盘存入经验库后可用 /mo-search 检索复用"
        if zh
        else "The execution template carries this run's lessons (D3/D5 checks); save the retro so /mo-search finds it"
    )
    return items


# -- formatting ------------------------------------------------------------------------------------------


def _money(value: float | None) -> str:
    """Money with thousands separators: whole 元 from 100 up, two decimals below."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
