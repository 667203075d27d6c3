"""``/budget 家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万 [30天] [人群=…] [优惠=…]``.

With arguments: the simulation (:func:`core.planning.simulate_budget_input`) — predicted 边现 and revenue
lift and ROI with their intervals, budget used, usage per position against its capacity, the >80 %
warning with the saturation penalty, the campaigns the estimate learned from.

Without arguments: the current default plan (the strategy the planner recommends for 边现 over all
segments, rounded; sensible defaults when it cannot be built), simulated the same way, and how to pass
parameters. In Slack ``/budget`` opens a modal instead: :func:`budget_modal_defaults` gives the adapter the
inputs (content types, positions with capacity, a default budget) and :func:`budget_text_from_values`
turns the submitted values back into the text this handler parses — so modal and command never disagree.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from core.narrators.budget import BudgetReading, budget_command_text, budget_notes, read_budget
from core.narrators.planning_format import interval, money, pct, ratio
from core.planning import (
    BudgetInput,
    PlanningInputError,
    parse_budget_args,
    recommend_strategy,
    simulate_budget_input,
)
from core.planning.content_choice import preferences
from core.planning.labels import label
from core.planning.plan_models import KpiForecast
from handlers.card import Card, CardField, CardSection, CardTable, Severity
from handlers.context import HandlerContext
from handlers.planning_inputs import PlanningFrames, planning_frames, usage_error

logger = logging.getLogger(__name__)

DEFAULT_GOAL = "提升边现"
DEFAULT_BUDGET = 500_000.0
DEFAULT_DAYS = 30
DEFAULT_USAGE_OF_CAPACITY = 0.5
DEFAULT_SPLIT = (0.7, 0.3)
NEIGHBOURS_SHOWN = 3
USAGE_STEP = 0.01
BUDGET_STEP = 1_000


def handle_budget(args: str, context: HandlerContext) -> Card:
    frames = planning_frames(context, need_resources=True)
    if not args.strip():
        plan = budget_command_text(default_plan(frames))
        return budget_card(simulate(plan, frames, context), context, default=True)
    return budget_card(simulate(args, frames, context), context)


def simulate(text: str, frames: PlanningFrames, context: HandlerContext) -> BudgetReading:
    try:
        parsed = parse_budget_args(text, language=context.language)
    except PlanningInputError as error:
        raise usage_error(error, context.language) from error
    simulation = simulate_budget_input(
        parsed, frames.segments, frames.campaigns, frames.resources, frames.cube
    )
    return read_budget(simulation, budget_command_text(parsed))


# --- the default plan -------------------------------------------------------------------------------------


def default_plan(frames: PlanningFrames) -> BudgetInput:
    """The recommended 边现 strategy over all segments as simulator inputs, rounded so that it still fits:
    usage down to 0.01, budget up to 1,000 元; the fallback plan when no strategy can be built (e.g. no
    campaigns yet)."""
    try:
        facts = recommend_strategy(
            DEFAULT_GOAL, frames.cube, frames.segments, frames.campaigns, frames.resources
        )
    except (ValueError, KeyError, IndexError) as error:
        logger.info("no default strategy for /budget (%s): using the fallback plan", error)
        return fallback_plan(frames)
    usage = {p.position: _floor(p.usage, USAGE_STEP) for p in facts.positions}
    usage = {name: value for name, value in usage.items() if value > 0}
    if not facts.content.mix or not usage or facts.budget <= 0:
        return fallback_plan(frames)
    return BudgetInput(
        content_ratio=facts.content.mix,
        position_usage=usage,
        budget=math.ceil(facts.budget / BUDGET_STEP) * BUDGET_STEP,
        days=facts.horizon_days,
        segment=facts.segments[0].segment,
        discount=facts.discount.discount,
    )


def _floor(value: float, step: float) -> float:
    return round(math.floor(value / step + 1e-9) * step, 6)


def fallback_plan(frames: PlanningFrames) -> BudgetInput:
    """Favourite contents of the highest-value segment at 70/30, every position at half its capacity,
    500,000 元 over 30 days."""
    segments = frames.segments
    value = pd.to_numeric(segments.get("avg_arpu_contribution"), errors="coerce")
    top = segments.loc[value.idxmax()] if value.notna().any() else segments.iloc[0]
    liked = preferences(top.get("content_preference"))[: len(DEFAULT_SPLIT)] or ["家庭剧"]
    shares = DEFAULT_SPLIT[: len(liked)] if len(liked) > 1 else (1.0,)
    capacity = pd.to_numeric(frames.resources["max_capacity"], errors="coerce").fillna(0.0)
    usage = {
        str(name): round(float(cap) * DEFAULT_USAGE_OF_CAPACITY, 2)
        for name, cap in zip(frames.resources["position"], capacity, strict=True)
        if cap > 0
    }
    return BudgetInput(
        content_ratio=dict(zip(liked, shares, strict=True)),
        position_usage=usage,
        budget=DEFAULT_BUDGET,
        days=DEFAULT_DAYS,
        segment=str(top["segment"]),
    )


# --- the Slack modal --------------------------------------------------------------------------------------


def budget_modal_defaults(context: HandlerContext) -> dict[str, Any]:
    """What a modal needs to offer the simulator's inputs, pre-filled with the default plan.

    ``content`` (the default mix, percent), ``content_types`` (every content type the segments mention),
    ``positions`` (every position with its default usage, ``max_capacity`` and cost), ``budget`` (元),
    ``days``, ``segment``, ``discount`` and ``text`` (the default plan split into the three free-text inputs
    ``mix`` / ``positions`` / ``budget``).
    """
    frames = planning_frames(context, need_resources=True)
    plan = default_plan(frames)
    types = list(plan.content_ratio)
    for text in frames.segments.get("content_preference", pd.Series(dtype=object)):
        types += [name for name in preferences(text) if name not in types]
    positions = [
        {
            "position": str(row["position"]),
            "usage": float(plan.position_usage.get(str(row["position"]), 0.0)),
            "max_capacity": float(row["max_capacity"]),
            "cost_per_10k": float(row["cost_per_10k"]),
        }
        for _, row in frames.resources.iterrows()
    ]
    return {
        "content": [{"name": n, "percent": round(s * 100, 1)} for n, s in plan.content_ratio.items()],
        "content_types": types,
        "positions": positions,
        "budget": plan.budget,
        "days": plan.days,
        "segment": plan.segment,
        "discount": plan.discount,
        "text": {
            "mix": " ".join(f"{n}{round(s * 100, 1):g}" for n, s in plan.content_ratio.items()),
            "positions": " ".join(f"{n}={u:g}" for n, u in plan.position_usage.items()),
            "budget": f"{plan.budget:.0f}",
        },
    }


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value).strip()


def _pairs(value: object, separator: str) -> list[str]:
    """A mapping ``{name: number}``, a list of ``{name|position, percent|usage}`` or free text."""
    if isinstance(value, Mapping):
        return [f"{name}{separator}{_number(v)}" for name, v in value.items() if _filled(v)]
    if isinstance(value, list):
        parts = []
        for item in value:
            name = item.get("name") or item.get("position")
            amount = next(
                (item[k] for k in ("percent", "share", "usage", "value") if _filled(item.get(k))), None
            )
            if name and amount is not None:
                parts.append(f"{name}{separator}{_number(amount)}")
        return parts
    return [str(value).strip()] if _filled(value) else []


def budget_text_from_values(values: Mapping[str, Any]) -> str:
    """The ``/budget`` arguments from submitted modal values.

    Accepts the three free-text inputs (``mix``, ``positions``, ``budget``), structured values (``content``
    / ``positions`` as a mapping or a list like :func:`budget_modal_defaults` gives), one input per item
    (``content:家庭剧`` = ``70``, ``position:首页位1`` = ``0.6``) and optional ``days``, ``segment``,
    ``discount``. Empty inputs are skipped; the handler's parser reports anything it cannot use.
    """
    parts = _pairs(values.get("mix", values.get("content")), "")
    parts += [
        f"{k.split(':', 1)[1]}{_number(v)}"
        for k, v in values.items()
        if k.startswith("content:") and _filled(v)
    ]
    parts += _pairs(values.get("positions"), "=")
    parts += [
        f"{k.split(':', 1)[1]}={_number(v)}"
        for k, v in values.items()
        if k.startswith("position:") and _filled(v)
    ]
    budget = values.get("budget")
    if _filled(budget):
        text = _number(budget)
        parts.append(text if text.lower().startswith(("预算", "budget")) else f"预算{text}")
    if _filled(values.get("days")):
        days = _number(values["days"])
        parts.append(days if not days.isdigit() else f"{days}天")
    if _filled(values.get("segment")):
        parts.append(f"人群={str(values['segment']).strip()}")
    if _filled(values.get("discount")):
        parts.append(f"优惠={str(values['discount']).strip()}")
    return " ".join(parts)


# --- the card ---------------------------------------------------------------------------------------------


def _estimate_text(kpi: KpiForecast, name: str, context: HandlerContext) -> str:
    estimate = getattr(kpi, name)
    level = pct(estimate.level, signed=False, digits=0)
    if name == "roi":
        point, band = ratio(estimate.point), interval(estimate.lower, estimate.upper, "ratio")
    else:
        point, band = pct(estimate.point), interval(estimate.lower, estimate.upper)
    return context.t(f"{point}（{level}：{band}）", f"{point} ({level}: {band})")


def budget_card(reading: BudgetReading, context: HandlerContext, *, default: bool = False) -> Card:
    t, sim = context.t, reading.simulation
    used = f"{money(sim.budget_used)} / {money(sim.budget)}"
    if reading.budget_used_share is not None:
        used += t(
            f"（{pct(reading.budget_used_share, signed=False)}）",
            f" ({pct(reading.budget_used_share, signed=False)})",
        )
    fields = []
    if sim.kpi is not None:
        fields = [
            CardField(
                label=t("边现提升", "ARPU (边现) lift"), value=_estimate_text(sim.kpi, "arpu_lift", context)
            ),
            CardField(
                label=t("收入提升", "Revenue lift"), value=_estimate_text(sim.kpi, "revenue_lift", context)
            ),
            CardField(label="ROI", value=_estimate_text(sim.kpi, "roi", context)),
            CardField(label=t("置信度", "Confidence"), value=pct(sim.kpi.confidence, signed=False)),
        ]
    fields.append(CardField(label=t("已用预算", "Budget used"), value=used))
    result = CardSection(title=t("预测结果", "Predicted result"), fields=fields)
    if sim.kpi is None:
        result.text = t("没有相似的历史活动，无法预测 KPI。", "No similar past campaigns: no KPI forecast.")
    sections = [result]
    notes = budget_notes(reading, context.language)
    if notes:
        sections.append(CardSection(title=t("提示", "Warnings"), bullets=notes))
    if sim.neighbours:
        sections.append(
            CardSection(
                title=t("参考的历史活动", "Learned from"),
                bullets=[
                    t(
                        f"{n.campaign_id} {n.name or ''}：相似度 {pct(n.similarity, signed=False)}，ROI {ratio(n.roi)}",
                        f"{n.campaign_id} {n.name or ''}: similarity {pct(n.similarity, signed=False)}, ROI {ratio(n.roi)}",
                    )
                    for n in sim.neighbours[:NEIGHBOURS_SHOWN]
                ],
            )
        )
    if default:
        sections.insert(0, _how_to_section(reading, context))
    near = any(p.near_limit for p in reading.positions)
    mix = "+".join(f"{name}{pct(share, signed=False, digits=0)}" for name, share in sim.content_ratio.items())
    extras = [x for x in (sim.segment, sim.discount) if x]
    subtitle = " · ".join([mix, t(f"{sim.days}天", f"{sim.days} days"), *extras])
    return Card(
        title=t("预算模拟（默认方案）", "Budget simulation (default plan)")
        if default
        else t("预算模拟", "Budget simulation"),
        subtitle=subtitle,
        severity=Severity.MINOR if near else Severity.INFO,
        sections=sections,
        tables=[_positions_table(reading, context)],
        context=[t(f"修改参数：/mo-budget {reading.command}", f"To change it: /mo-budget {reading.command}")],
        language=context.language,
    )


def _how_to_section(reading: BudgetReading, context: HandlerContext) -> CardSection:
    t = context.t
    return CardSection(
        title=t("默认方案与参数", "Default plan and parameters"),
        text=t(
            "这是当前推荐的默认方案。在 Slack 中 /mo-budget 会打开表单；文字方式在 /mo-budget 后写参数，格式同下方默认参数："
            "内容配比（内容名+百分比）、资源位=占用（0–1 或百分比）、预算（可写 万），可选 天数、人群=、优惠=。",
            "This is the current default plan. In Slack /mo-budget opens a form; in text, write the parameters after "
            "/mo-budget like the default parameters below: content mix (name + percent), position=usage (0–1 or "
            "percent), budget (万 allowed), optional days, segment=, discount=.",
        ),
        fields=[CardField(label=t("默认参数", "Default parameters"), value=reading.command)],
    )


def _positions_table(reading: BudgetReading, context: HandlerContext) -> CardTable:
    t = context.t
    near = {p.position: p for p in reading.positions}
    rows = []
    for p in reading.simulation.positions:
        note = label(p.warning, context.language) if p.warning else ""
        if near[p.position].near_limit:
            note = "⚠ " + (note or label("capacity_near_limit", context.language))
        rows.append(
            [
                p.position,
                ratio(p.usage),
                ratio(p.max_capacity),
                pct(p.capacity_used, signed=False),
                money(p.budget),
                note,
            ]
        )
    return CardTable(
        title=t("资源位使用与容量", "Usage per position against capacity"),
        columns=[
            t("资源位", "Position"),
            t("占用", "Usage"),
            t("容量上限", "Capacity"),
            t("容量使用", "Capacity used"),
            t("预算", "Budget"),
            t("提示", "Note"),
        ],
        rows=rows,
    )
