"""With a model configured, a question the parser cannot read may be routed by the model: it picks one
command and writes its arguments in the product's words (structured output against :class:`RoutePick`,
validated like every AI answer, its numbers grounded in the question and the cube's vocabulary). The pick
never carries a number of its own: the command it names computes every number from the data, and a pick
whose arguments the command cannot use — or a slow or failing model (a short deadline) — leaves the
parser's "not understood" answer in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from core.cube import METRICS
from handlers.commands import COMMANDS, ParsedCommand
from handlers.context import HandlerContext

ROUTE_DEADLINE_S = 4.0  # the whole pick, retries included: the parser's answer must not wait longer
MAX_VALUES = 12  # per dimension, in the prompt

Command = Literal["why", "query", "kpi", "goal", "strategy", "budget", "retro", "search", "abtest", "none"]

INSTRUCTIONS = (
    "Route the user's question to ONE command of this product and write the command's arguments in the "
    "product's own words: metric names, dimension names and values, and period words exactly as listed in "
    "the facts (e.g. query: '本周 各平台 边现', '上个月 哪个资源位 ROI 最高'; why: '本周 边现'; kpi: '本周'). "
    "Never compute or invent a number or a date: only copy numbers that appear in the question. If no command "
    "fits, answer command 'none' with empty arguments."
)


class RoutePick(BaseModel):
    command: Command
    arguments: str = Field("", max_length=200, description="The command's arguments, in the facts' words.")


class RouteFacts(BaseModel):
    question: str
    commands: dict[str, str] = Field(description="Command → what it answers · an example of its arguments.")
    metrics: list[str]
    dimensions: dict[str, list[str]] = Field(description="Dimension → some of its values.")
    data_from: dt.date | None
    data_to: dt.date | None


def _offline(_facts: RouteFacts, _language: str) -> RoutePick:
    return RoutePick(command="none")


def model_pick(text: str, context: HandlerContext) -> tuple[ParsedCommand | None, str | None]:
    """The model's pick for ``text`` (None without a model, or when it picks nothing) and the AI notice to
    show when the model failed."""
    if not getattr(context.ai, "has_client", False):
        return None, None
    reader = context.data.reader()
    first, latest = reader.span()
    facts = RouteFacts(
        question=text,
        commands={c.name: f"{c.en} · {c.example_args}" for c in COMMANDS if c.name != "help"},
        metrics=[f"{m.zh} ({name})" for name, m in METRICS.items()] + ["ROI"],
        dimensions={d: v[:MAX_VALUES] for d, v in reader.dimension_values().items()},
        data_from=first,
        data_to=latest,
    )
    result = context.narrate(
        "route", facts, RoutePick, _offline, INSTRUCTIONS, user_text=text,
        deadline_s=min(context.ai_deadline_s, ROUTE_DEADLINE_S),
    )  # fmt: skip
    pick: RoutePick = result.value  # type: ignore[assignment]
    if result.offline or pick.command == "none":
        return None, result.notice
    return ParsedCommand(pick.command, pick.arguments.strip(), pick.command), None
