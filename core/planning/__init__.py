"""Planning analytics for ``/goal``, ``/strategy`` and ``/budget``: pure functions returning fact models.

Nothing here formats prose: results are pydantic models of numbers and codes (labels in :mod:`labels`)
that handlers turn into cards and the AI engine narrates.
"""

from core.planning import capacity, forecast, goal_assess, plan_kpi, timing
from core.planning.budget import simulate_budget, simulate_budget_input
from core.planning.budget_parse import parse_budget_args
from core.planning.errors import BudgetParseError, GoalParseError, PlanningInputError
from core.planning.goal_assess import assess_goal
from core.planning.goal_models import GoalAssessment, GoalSpec
from core.planning.goal_parse import parse_goal
from core.planning.labels import label
from core.planning.plan_models import BudgetInput, BudgetSimulation, StrategyFacts
from core.planning.strategy import recommend_strategy

# the most history /strategy and /budget read: the handlers load only this many days of leaf rows
HISTORY_NEEDED_DAYS = max(
    forecast.HISTORY_DAYS,
    timing.PROFILE_DAYS,
    capacity.INVENTORY_DAYS,
    goal_assess.BASELINE_DAYS,
    goal_assess.MIN_HISTORY_DAYS,
    plan_kpi.RECENT_DAYS,
    forecast.RECENT_DAYS,
)
# /goal's forecast learns holidays and 调休 from a year of its daily totals
GOAL_HISTORY_DAYS = max(HISTORY_NEEDED_DAYS, forecast.PROFILE_DAYS)

__all__ = [
    "GOAL_HISTORY_DAYS",
    "HISTORY_NEEDED_DAYS",
    "BudgetInput",
    "BudgetParseError",
    "BudgetSimulation",
    "GoalAssessment",
    "GoalParseError",
    "GoalSpec",
    "PlanningInputError",
    "StrategyFacts",
    "assess_goal",
    "label",
    "parse_budget_args",
    "parse_goal",
    "recommend_strategy",
    "simulate_budget",
    "simulate_budget_input",
]
