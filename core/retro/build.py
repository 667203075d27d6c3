"""``build_retro``: assemble the facts of a retrospective from the cube, the campaigns and the resources.

A campaign retro measures the campaign's target segment (found by value in whichever dimension holds it);
a date-range retro measures the whole cube and attributes the budgets of the campaigns overlapping the
range pro rata of the overlapping days. Both compare the period with the equally long period just before —
by daily averages when either misses days (the cube began inside the pre-period, a day failed to load), and
not at all when the pre-period has data on fewer than half its days (``MIN_PRE_PERIOD_SHARE``): then the
lifts, the drivers and the measured ROI are unknown, never a change from a few days to many.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.cube import DATE, dimension_columns
from core.documents.models import ExecutionTemplateInput
from core.importing import content_shares, split_positions
from core.retro.attribution import BudgetSource, content_costs, position_costs, rank_roi
from core.retro.campaigns import campaign_record, normalise_campaigns, overlap_days
from core.retro.drivers import revenue_drivers
from core.retro.measures import compare_periods, daily_series
from core.retro.models import MetricComparison, PlanVsActual, RetroFacts, RetroTarget, Shortfall
from core.retro.scope import (
    DURING,
    MIN_PRE_PERIOD_SHARE,
    dimension_holding,
    dimension_values,
    per_day_rows,
    phase_days,
    phased_rows,
    pre_period,
)
from core.retro.shortfalls import find_shortfalls
from core.retro.template import build_template


class RetroDataError(ValueError):
    """The cube has no rows for the period (or the campaign is unknown)."""


@dataclass
class _Context:
    """What differs between a campaign retro and a date-range retro."""

    title: str
    based_on: str
    scope: dict[str, str]
    record: dict[str, Any] | None
    sources: list[BudgetSource]
    own_values: dict[str, set[str]] | None
    overlapping: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    template_record: dict[str, Any] | None = None


def range_id(start: dt.date, end: dt.date) -> str:
    """The library id of a date-range retro, e.g. ``R20261001-20261007``."""
    return f"R{start:%Y%m%d}-{end:%Y%m%d}"


def build_retro(
    target: RetroTarget, cube: pd.DataFrame, campaigns: pd.DataFrame, resources: pd.DataFrame
) -> RetroFacts:
    library = normalise_campaigns(campaigns)
    before_start, before_end = pre_period(target.start, target.end)
    window = cube.loc[cube[DATE].between(pd.Timestamp(before_start), pd.Timestamp(target.end))]
    values = dimension_values(window)
    context = (
        _campaign_context(target, values, library)
        if target.kind == "campaign"
        else _range_context(target, values, library)
    )
    rows = phased_rows(window, context.scope, target.start, target.end)
    if not (rows["phase"] == DURING).any():
        raise RetroDataError(
            f"no cube rows between {target.start} and {target.end} for {context.scope or 'all'}"
        )
    before_days, during_days = phase_days(window, target.start)
    compared = rows
    if rows["phase"].ne(DURING).sum() == 0:
        context.notes.append("missing_pre_period")
    elif before_days < MIN_PRE_PERIOD_SHARE * ((target.end - target.start).days + 1):
        context.notes.append("thin_pre_period")
        compared = rows[rows["phase"] == DURING]
    elif before_days != during_days:
        context.notes.append("partial_days")
        compared = per_day_rows(rows, before_days, during_days)

    metrics = compare_periods(compared)
    drivers = (
        revenue_drivers(compared, [d for d in dimension_columns(cube) if d not in context.scope])
        if compared["phase"].ne(DURING).any()
        else {}  # shares of a change from no baseline mean nothing
    )
    content_dimension = dimension_holding(values, [c for s in context.sources for c in s.content])
    position_names = [p for s in context.sources for p in s.positions] + _resource_positions(resources)
    position_dimension = dimension_holding(values, position_names)
    roi_by_content = (
        rank_roi(content_dimension, content_costs(context.sources), drivers[content_dimension])
        if content_dimension in drivers
        else []
    )
    roi_by_position = (
        rank_roi(
            position_dimension,
            position_costs(context.sources, window, resources, position_dimension),
            drivers[position_dimension],
        )
        if position_dimension in drivers
        else []
    )
    cost = sum(s.budget for s in context.sources) if context.sources else None
    plan = _plan(context.record, metrics, cost)
    shortfalls = find_shortfalls(plan, metrics, drivers, context.own_values, roi_by_content, roi_by_position)
    template = _template(context, target, metrics, shortfalls, plan)
    return RetroFacts(
        target=target,
        title=context.title,
        before_start=before_start,
        before_end=before_end,
        scope=context.scope,
        campaign=context.record,
        overlapping_campaigns=context.overlapping,
        cost=cost,
        metrics=metrics,
        plan=plan,
        drivers=drivers,
        roi_by_content=roi_by_content,
        roi_by_position=roi_by_position,
        shortfalls=shortfalls,
        daily=daily_series(rows),
        template=template,
        notes=context.notes,
        before_days=before_days,
        during_days=during_days,
    )


def _resource_positions(resources: pd.DataFrame) -> list[str]:
    return [] if resources is None or resources.empty else [str(p) for p in resources["position"]]


def _campaign_context(target: RetroTarget, values: dict[str, set[str]], library: pd.DataFrame) -> _Context:
    try:
        record = campaign_record(library, str(target.campaign_id))
    except KeyError:
        raise RetroDataError(f"unknown campaign {target.campaign_id}") from None
    notes: list[str] = []
    segment_dimension = dimension_holding(values, [record.get("target_segment") or ""])
    scope = {segment_dimension: str(record["target_segment"])} if segment_dimension else {}
    if not scope:
        notes.append("segment_not_in_cube")
    source = _source(record, target.start, target.end, scope, share=1.0)
    own_values: dict[str, set[str]] = {}
    for names in (set(source.content), set(source.positions), {record.get("discount") or ""}):
        dimension = dimension_holding(values, names)
        if dimension is not None:
            own_values.setdefault(dimension, set()).update(names)
    return _Context(
        title=f"{record['campaign_id']} {record.get('name') or ''}".strip(),
        based_on=str(record["campaign_id"]),
        scope=scope,
        record=record,
        sources=[source] if source.budget > 0 else [],
        own_values=own_values,
        notes=notes,
        template_record=record,
    )


def _range_context(target: RetroTarget, values: dict[str, set[str]], library: pd.DataFrame) -> _Context:
    overlapping = library[
        (library["start_date"] <= pd.Timestamp(target.end))
        & (library["end_date"] >= pd.Timestamp(target.start))
    ]
    sources, records = [], []
    for campaign_id in overlapping["campaign_id"].astype(str):
        record = campaign_record(library, campaign_id)
        start, end = max(record["start_date"], target.start), min(record["end_date"], target.end)
        length = (record["end_date"] - record["start_date"]).days + 1
        share = overlap_days(target.start, target.end, record["start_date"], record["end_date"]) / length
        segment_dimension = dimension_holding(values, [record.get("target_segment") or ""])
        scope = {segment_dimension: str(record["target_segment"])} if segment_dimension else {}
        source = _source(record, start, end, scope, share)
        if source.budget > 0:
            sources.append(source)
        records.append((source.budget, record))
    biggest = max(records, key=lambda item: item[0])[1] if records else None
    return _Context(
        title=f"{target.start.isoformat()}~{target.end.isoformat()}",
        based_on=range_id(target.start, target.end),
        scope={},
        record=None,
        sources=sources,
        own_values=None,
        overlapping=[str(r["campaign_id"]) for _, r in records],
        template_record=biggest,
    )


def _source(
    record: dict[str, Any], start: dt.date, end: dt.date, scope: dict[str, str], share: float
) -> BudgetSource:
    budget = record.get("budget_used")
    if budget is None:
        budget = record.get("budget_planned")
    return BudgetSource(
        campaign_id=str(record["campaign_id"]),
        budget=float(budget or 0.0) * share,
        start=start,
        end=end,
        scope=scope,
        positions=tuple(split_positions(record.get("resource_positions"))),
        content=content_shares(record.get("content_mix")),
    )


def _plan(record: dict[str, Any] | None, metrics: list[MetricComparison], cost: float | None) -> PlanVsActual:
    by_name = {m.metric: m for m in metrics}
    revenue_change = by_name["revenue"].change
    record = record or {}
    planned = record.get("budget_planned")
    used = record.get("budget_used", cost) if record else cost
    target = record.get("target_arpu_lift")
    measured_arpu = by_name["arpu"].lift
    return PlanVsActual(
        budget_planned=planned,
        budget_used=used,
        budget_usage=used / planned if used is not None and planned else None,
        target_arpu_lift=target,
        recorded_arpu_lift=record.get("arpu_lift"),
        measured_arpu_lift=measured_arpu,
        recorded_revenue_lift=record.get("revenue_lift"),
        measured_revenue_lift=by_name["revenue"].lift,
        recorded_roi=record.get("roi"),
        measured_roi=revenue_change / used if used and by_name["revenue"].lift is not None else None,
        arpu_target_met=(measured_arpu >= target)
        if target is not None and measured_arpu is not None
        else None,
    )


def _template(
    context: _Context,
    target: RetroTarget,
    metrics: list[MetricComparison],
    shortfalls: list[Shortfall],
    plan: PlanVsActual,
) -> ExecutionTemplateInput:
    record = context.template_record or {}
    return build_template(
        title=context.title,
        based_on=context.based_on,
        start=target.start,
        end=target.end,
        segment=record.get("target_segment") or None,
        content=content_shares(record.get("content_mix")),
        positions=split_positions(record.get("resource_positions")),
        discount=record.get("discount") or None,
        budget=(record.get("budget_planned") or record.get("budget_used")) if record else None,
        target_arpu_lift=plan.target_arpu_lift,
        roi=plan.judged_roi,
        metrics=metrics,
        shortfalls=shortfalls,
    )
