"""What the retro's counterfactual says, in words (zh / en through a picker): the card and the report
say it alike — "边现 +8.2%（80%：+5.1% ~ +11.0%），相对于无活动的反事实", the verdict with its reason, the
controls, and what the estimate had to leave out or lean on (the controls' and the slice's other campaigns,
placebos in space, the strata)."""

from __future__ import annotations

from collections.abc import Callable

from core.narrators.planning_format import pct
from core.retro.counterfactual import FIT_CHOICES, CounterfactualLift

Pick = Callable[[str, str], str]  # (zh, en) -> the text in the reader's language

EFFECT_TITLE = ("活动效果（对比无活动的反事实）", "Effect (against the counterfactual without the campaign)")


def effect_text(lift: CounterfactualLift, t: Pick) -> str:
    """The lead, the verdict and the controls, then each caveat that applies; the verdict alone when 边现
    could not be measured."""
    verdict = effect_verdict(lift, t)
    arpu = lift.metrics.get("arpu")
    if arpu is None:
        return verdict
    lead = t(
        f"边现 {pct(arpu.lift)}（80%：{pct(arpu.lift_low)} ~ {pct(arpu.lift_high)}），相对于无活动的反事实",
        f"边现 {pct(arpu.lift)} (80 %: {pct(arpu.lift_low)} to {pct(arpu.lift_high)}) against the "
        "counterfactual without the campaign",
    )
    controls = "、".join(lift.controls[:4]) + (t(" 等", " …") if len(lift.controls) > 4 else "")
    text = f"{lead}。{verdict}" + t(f"（对照：{controls}）", f" (controls: {controls})")
    if lift.controls_have_campaigns:
        text += t(
            "。对照切片同期也在做活动，这些天已从对照中剔除",
            "; the control slices ran campaigns of their own too: those days are left out of them",
        )
    if lift.placebos_overlap_campaigns:
        text += t(
            "。区间的校准窗口与本切片的其他活动重叠（那些天已剔除）",
            "; the calibration windows overlap the slice's other campaigns (those days are left out)",
        )
    if lift.placebos_in_space:
        text += t(
            "。本切片自己无活动的历史窗口不足：区间另用对照切片（当作实验组、在活动同期及附近的窗口）校准，按两者的日波动换算",
            "; the slice has too few campaign-free windows of its own: its controls, each measured as if it ran "
            "the campaign (over the same and nearby windows), calibrate the interval too, rescaled by the two "
            "slices' daily noise",
        )
    if lift.fit_days is not None and lift.fit_days < min(FIT_CHOICES):
        text += t(
            f"。活动前的历史较短：对照按活动前 {lift.fit_days} 天拟合，区间按同样的拟合校准",
            f"; little history before it: the controls are fitted on {lift.fit_days} days before the launch, "
            "and the interval is calibrated with the same fit",
        )
    if lift.stratum:
        text += t(
            f"。按 {lift.stratum} 分层对比：对照的每个取值预测本切片的同一取值",
            f"; compared within each {lift.stratum}: each value of a control predicts the same value here",
        )
    if lift.overlapping_campaigns:
        others = "、".join(lift.overlapping_campaigns)
        text += t(
            f"。本切片同期还有活动 {others}：测得的是它们的合计效果",
            f"; campaign {', '.join(lift.overlapping_campaigns)} ran on this slice in the same period too: "
            "the lift measured is theirs together",
        )
    return text


def effect_verdict(lift: CounterfactualLift, t: Pick) -> str:
    """结论：有效 / 无显著效果 / 无法判断（the reason）."""
    if lift.verdict == "effective":
        return t("结论：有效", "Verdict: effective")
    if lift.verdict == "no_effect":
        return t("结论：无显著效果", "Verdict: no significant effect")
    reasons = {
        "too_short": ("活动太短", "the campaign is too short"),
        "no_controls": ("没有可用的对照切片", "no usable control slices"),
        "short_history": (
            "活动前的历史不够校准区间",
            "too little history before it to calibrate the interval",
        ),
        "poor_fit": ("活动前对照拟合不佳", "the controls do not fit the period before it"),
    }
    zh, en = reasons.get(lift.reason or "", ("原因未知", "unknown reason"))
    return t(f"结论：无法判断（{zh}）", f"Verdict: cannot tell ({en})")
