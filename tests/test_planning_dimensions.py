"""The planners read the cube summed down to the segment and position dimensions: the same answers as from
every leaf, from a fraction of the rows (what lets /mo-goal, /mo-strategy and /mo-budget run on a big cube)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import DATE, MEASURES, dimension_columns
from core.demo import generate_demo
from core.planning import (
    GOAL_HISTORY_DAYS,
    assess_goal,
    parse_budget_args,
    recommend_strategy,
    simulate_budget_input,
)
from core.planning.segment_match import planning_dimensions
from tests.support.rounding import nearly_equal

END = dt.date(2026, 11, 20)


def _answers(cube: pd.DataFrame, demo) -> list[object]:  # type: ignore[no-untyped-def]
    today = END + dt.timedelta(days=1)
    goal = assess_goal("提升家庭向收入15% 30天", cube, demo.segments, demo.campaigns, today)
    strategy = recommend_strategy(
        "提升家庭向会员收入", cube, demo.segments, demo.campaigns, demo.resources, 300_000
    )
    first, second = demo.resources["position"].astype(str).iloc[:2]
    budget = simulate_budget_input(
        parse_budget_args(f"家庭剧70 动漫30 {first}=0.6 {second}=0.4 预算50万"),
        demo.segments,
        demo.campaigns,
        demo.resources,
        cube,
    )
    assert budget.positions and strategy.positions  # the position dimension is used, not just carried
    return [a.model_dump(mode="json") for a in (goal, strategy, budget)]


def test_the_planners_answer_the_same_from_the_cube_summed_to_their_dimensions() -> None:
    demo = generate_demo(end=END, days=120, seed=3, calendar=ChineseCalendar())
    window = demo.metrics[demo.metrics[DATE] > pd.Timestamp(END - dt.timedelta(days=GOAL_HISTORY_DAYS))]
    values = {d: sorted(window[d].unique()) for d in dimension_columns(window)}

    kept = planning_dimensions(values, demo.segments, demo.resources)
    summed = window.groupby([DATE, *kept], as_index=False)[list(MEASURES)].sum()

    assert kept == ["segment", "resource_position"]
    assert len(summed) < len(window) / 5
    assert nearly_equal(_answers(summed, demo), _answers(window, demo))
