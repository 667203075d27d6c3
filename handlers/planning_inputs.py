"""What ``/goal``, ``/strategy`` and ``/budget`` share: the loaded frames and the planner's input errors.

The planner raises :class:`~core.planning.PlanningInputError` (``GoalParseError``, ``BudgetParseError``)
with a stable code and zh/en messages; the dispatcher shows a :class:`UsageError`. The translation keeps the
message and the planner's example in the user's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core.planning import HISTORY_NEEDED_DAYS, PlanningInputError
from core.planning.outcomes import measured_first
from core.planning.segment_match import planning_dimensions
from handlers.context import HandlerContext
from handlers.errors import NoDataError, UsageError


@dataclass(frozen=True)
class PlanningFrames:
    cube: pd.DataFrame
    segments: pd.DataFrame
    campaigns: pd.DataFrame
    resources: pd.DataFrame


def _missing_table(kind: str, zh: str, en: str) -> UsageError:
    return UsageError(
        f"还没有{zh}数据：先运行 memberops init --demo 或 memberops import {kind} FILE",
        f"No {en} yet: run memberops init --demo or memberops import {kind} FILE first",
        f"memberops import {kind} {kind}.csv",
    )


def planning_frames(
    context: HandlerContext, *, need_resources: bool = False, history_days: int = HISTORY_NEEDED_DAYS
) -> PlanningFrames:
    """The cube's recent history and the catalog tables; a helpful :class:`UsageError` when one the command
    needs is empty. Only what the planners read is loaded: the last ``history_days`` days, summed
    down to the segment and the position dimensions (``planning_dimensions``) — never the leaves."""
    last = context.data.last_day()
    if last is None:
        raise NoDataError()
    segments = context.data.segments()
    if segments.empty:
        raise _missing_table("segments", "人群", "segments")
    resources = context.data.resources()
    if need_resources and resources.empty:
        raise _missing_table("resources", "资源位", "resource positions")
    dimensions = planning_dimensions(context.data.reader().dimension_values(), segments, resources)
    cube = context.data.cube(start=last - dt.timedelta(days=history_days - 1), dimensions=dimensions)
    if cube.empty:
        raise NoDataError()
    return PlanningFrames(cube, segments, measured_first(context.data.campaigns()), resources)


def usage_error(error: PlanningInputError, language: str, example: str | None = None) -> UsageError:
    """The planner's error as a :class:`UsageError` (message without the example; example separate, the
    planner's own unless ``example`` is given — ``/strategy`` reuses the goal parser)."""
    zh, en = type(error).messages.get(error.code, ("无法理解输入。", "Could not understand the input."))
    example_zh, example_en = type(error).example
    return UsageError(
        zh.format(**error.values),
        en.format(**error.values),
        example or (example_zh if language == "zh" else example_en),
    )
