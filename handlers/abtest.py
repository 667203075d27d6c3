"""``/abtest 家庭向高活跃 边现 +5% 14天`` (also 实验): plan a campaign test on one slice, or read one out.

Planning (:func:`core.retro.experiment.plan_experiment`): the minimum detectable effect for the given length,
the days needed for the given effect at 80 % power, and the alternatives by length — all from the slice's
own placebo windows, the machinery the retro's readout uses, so plan and readout agree. The design it
assumes: the whole slice gets the campaign and is compared with its synthetic control (no users held out).

``/abtest 读数 C2026036`` (also ``readout``) reads a finished campaign out with the retro's estimator.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from core.cube import METRICS
from core.narrators.planning_format import pct
from core.retro.controls import slice_frames
from core.retro.experiment import ExperimentPlan, LengthOption, plan_experiment
from core.retro.json_contract import retro_to_json
from core.why.args import WhyParseError, parse_why_args
from handlers.card import Card, CardField, CardSection, CardTable, Severity
from handlers.context import HandlerContext
from handlers.errors import NoDataError, UsageError
from handlers.retro import counterfactual_sections, retro_facts

EXAMPLES = "/mo-abtest 家庭向高活跃 边现 +5% 14天 · /mo-abtest segment=新用户试看 转化率 10% · /mo-abtest 读数 C2026001"
DEFAULT_DAYS = 14
MAX_DAYS = 90
_EFFECT = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*%")
_DAYS = re.compile(r"(\d+)\s*(?:天|日|days?\b|d\b)", re.IGNORECASE)
_READOUT = re.compile(r"^\s*(?:读数|readout)\s+(\S+)\s*$", re.IGNORECASE)


def handle_abtest(args: str, context: HandlerContext) -> Card:
    readout = _READOUT.match(args)
    if readout:
        return _readout_card(readout.group(1), context)
    plan, scope = _plan(args, context)
    return _plan_card(plan, scope, context)


def abtest_facts(args: str, context: HandlerContext) -> dict[str, Any]:
    """What ``/abtest`` answers, as JSON (``memberops abtest … --json``): a readout is the retro's JSON with
    ``"kind": "readout"``; a plan is ``{"kind": "plan", "scope", "metric", "effect", "days", "launch", "mde",
    "days_needed", "controls", "options": [{"days", "mde", "placebo_windows", "in_space"}]}`` (fractions;
    ``mde`` null when the history holds too few windows of the asked length)."""
    readout = _READOUT.match(args)
    if readout:
        return {"kind": "readout", **retro_to_json(retro_facts(readout.group(1), context))}
    plan, scope = _plan(args, context)
    return {"kind": "plan", "scope": scope, **plan.model_dump(mode="json")}


def _plan(args: str, context: HandlerContext) -> tuple[ExperimentPlan, dict[str, str]]:
    reader = context.data.reader()
    first, last = reader.span()
    if first is None or last is None:
        raise NoDataError()
    effect_match, days_match = _EFFECT.search(args), _DAYS.search(args)
    effect = float(effect_match.group(1)) / 100 if effect_match else None
    days = int(days_match.group(1)) if days_match else DEFAULT_DAYS
    if not 3 <= days <= MAX_DAYS:
        raise UsageError(
            f"天数须在 3 到 {MAX_DAYS} 之间", f"The length must be 3 to {MAX_DAYS} days", EXAMPLES
        )
    rest = _DAYS.sub(" ", _EFFECT.sub(" ", args))
    values = reader.dimension_values()
    try:
        request = parse_why_args(
            rest, dimension_values=values, first_day=first, latest_day=last, reference_day=last
        )
    except WhyParseError as error:
        raise UsageError(error.zh, error.en, EXAMPLES) from error
    if len(request.scope) != 1:
        raise UsageError(
            "请指定一个要测试的切片，例如 家庭向高活跃 或 segment=家庭向高活跃",
            "Name one slice to test, e.g. 家庭向高活跃 or segment=家庭向高活跃",
            EXAMPLES,
        )
    ((dimension, value),) = request.scope.items()
    launch = last + dt.timedelta(days=1)
    frames = slice_frames(
        dimension, value, values[dimension], launch, launch + dt.timedelta(days=days - 1),
        context.data.campaigns(), lambda scope: reader.daily(scope, last),
        breakdown=reader.breakdown, dimensions=reader.dimensions(),
    )  # fmt: skip
    plan = plan_experiment(
        frames.treated,
        frames.controls,
        request.metric,
        days,
        effect,
        launch,
        blocked=frames.blocked,
        control_blocked=frames.control_blocked,
        strata=frames.strata,
    )
    return plan, dict(request.scope)


def _plan_card(plan: ExperimentPlan, scope: dict[str, str], context: HandlerContext) -> Card:
    t = context.t
    label = METRICS[plan.metric].label(context.language)
    where = "/".join(scope.values())
    asked = f" {pct(plan.effect)}" if plan.effect is not None else ""
    card = Card(
        title=t(
            f"A/B 实验规划：{where} · {label}{asked} · {plan.days}天",
            f"Test plan: {where} · {label}{asked} · {plan.days} days",
        ),
        severity=Severity.INFO,
        language=context.language,
    )
    if not plan.options:
        card.sections.append(
            CardSection(
                text=t(
                    "历史数据不够：需要约半年的日数据和至少一个同维度的对照切片，才能估计这个切片的波动。",
                    "Not enough history: about half a year of daily data and at least one control slice of the "
                    "same dimension are needed to measure this slice's noise.",
                )
            )
        )
        return card
    card.sections.append(CardSection(title=t("结论", "Verdict"), text=_verdict(plan, label, context)))
    fields = []
    if plan.mde is not None:
        fields.append(
            CardField(
                label=t(f"最小可检测效果（{plan.days}天）", f"Minimum detectable effect ({plan.days} days)"),
                value=pct(plan.mde),
            )
        )
    if plan.effect is not None:
        needed = (
            t(f"{plan.days_needed} 天", f"{plan.days_needed} days")
            if plan.days_needed
            else t("56 天内测不出", "not within 56 days")
        )
        fields.append(
            CardField(
                label=t(f"检测 {pct(plan.effect)} 需要", f"Days to detect {pct(plan.effect)}"), value=needed
            )
        )
    controls = "、".join(plan.controls[:4])
    fields.append(CardField(label=t("对照（合成）", "Controls (synthetic)"), value=controls))
    card.sections.append(CardSection(title=t("数字", "Numbers"), fields=fields))
    card.tables.append(
        CardTable(
            title=t(
                "不同时长的最小可检测效果（80% 把握，10% 显著性）",
                "Minimum detectable effect by length (80 % power, 10 % level)",
            ),
            columns=[t("时长", "Length"), t("最小可检测效果", "MDE"), t("校准窗口数", "Placebo windows")],
            rows=[[t(f"{o.days}天", f"{o.days} days"), pct(o.mde), _windows(o, t)] for o in plan.options],
        )
    )
    card.context.append(
        t(
            f"设计：整个切片参加活动，与合成对照比较（不留出用户）；波动来自该切片历史上同长度的安慰剂窗口。预计 {plan.launch} 开始。",
            f"Design: the whole slice runs the campaign and is compared with its synthetic control (no holdout); the "
            f"noise comes from placebo windows of the same length in the slice's history. Launch assumed {plan.launch}.",
        )
    )
    if any(o.in_space for o in plan.options):
        card.context.append(
            t(
                "标“含对照”的时长：该切片自己无活动的历史窗口不足，另把对照切片当作实验组、在同期的窗口上校准（按两者的日波动换算）。",
                "Lengths marked “with controls”: the slice has too few campaign-free windows of its own, so its "
                "controls, each measured as if it ran the campaign, calibrate it too (rescaled by the two slices' "
                "daily noise).",
            )
        )
    return card


def _windows(option: LengthOption, t: Callable[[str, str], str]) -> str:
    return f"{option.placebo_windows}" + (t("（含对照）", " (with controls)") if option.in_space else "")


def _verdict(plan: ExperimentPlan, label: str, context: HandlerContext) -> str:
    t = context.t
    if plan.mde is None:
        return t(
            f"{plan.days} 天的历史窗口不够估计波动，见下表的其他时长。",
            f"Too little history for {plan.days} days; see the other lengths below.",
        )
    if plan.effect is None:
        return t(
            f"{plan.days} 天能检测到的{label}最小变化约 {pct(plan.mde)}。",
            f"In {plan.days} days the smallest detectable {label} change is about {pct(plan.mde)}.",
        )
    if plan.mde <= abs(plan.effect):
        return t(
            f"{plan.days} 天足以检测 {pct(plan.effect)} 的{label}变化（最小可检测 {pct(plan.mde)}）。",
            f"{plan.days} days are enough to detect {pct(plan.effect)} in {label} (MDE {pct(plan.mde)}).",
        )
    if plan.days_needed:
        return t(
            f"{plan.days} 天不够（最小可检测 {pct(plan.mde)}）：至少需要 {plan.days_needed} 天，或把目标提高到 {pct(plan.mde)}。",
            f"{plan.days} days are not enough (MDE {pct(plan.mde)}): run at least {plan.days_needed} days, or aim for {pct(plan.mde)}.",
        )
    return t(
        f"{plan.days} 天不够（最小可检测 {pct(plan.mde)}），56 天内也测不出 {pct(plan.effect)}：换一个更大的切片或更大的目标。",
        f"{plan.days} days are not enough (MDE {pct(plan.mde)}) and 56 days would not show {pct(plan.effect)}: test a larger slice or a larger effect.",
    )


def _readout_card(campaign_id: str, context: HandlerContext) -> Card:
    facts = retro_facts(campaign_id, context)
    t = context.t
    card = Card(
        title=t(f"A/B 读数：{facts.title}", f"Test readout: {facts.title}"),
        subtitle=f"{facts.target.start}~{facts.target.end}",
        severity=Severity.INFO,
        language=context.language,
        sections=counterfactual_sections(facts.counterfactual, t, facts.cost),
    )
    if not card.sections:
        card.sections.append(
            CardSection(
                text=t(
                    "这不是针对单个切片的活动，无法读数。",
                    "Not a campaign on one slice: nothing to read out.",
                )
            )
        )
    return card
