"""The question router: free text that is not a command becomes the command it asks for.

Slack DMs and mentions, ``/memberops <question>``, DingTalk and WeCom text and ``memberops ask`` all come
through :func:`handlers.dispatch.run_parsed`; a line whose first word is no command lands here:

1. 为什么… / why… → ``/why`` with the whole line (its parser takes the period, metric and slice);
2. a breakdown question — a metric, a dimension, a period, ranked or compared — is answered by ``/query``;
3. the telltale words of the other commands (能不能… → /goal, 预算 → /budget, 复盘 → /retro, …);
4. a line naming only a period or a slice → ``/kpi`` of it;
5. with a model configured, the model may pick a command for what the parser could not read
   (:mod:`handlers.question_pick`: validated, no number of its own, a short deadline);
6. otherwise: which part was not understood, and the two closest commands that run as they are.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from core.cube import METRIC_ALIASES, METRICS
from core.query.intents import asks_why, intent_of
from core.query.question import ROI_WORDS, Question
from core.query.vocabulary import dimension_label, dimension_words
from handlers.card import Card, CardSection
from handlers.commands import COMMANDS, ParsedCommand
from handlers.context import HandlerContext
from handlers.errors import UsageError
from handlers.query import answer_question, question_of
from handlers.question_pick import model_pick

Run = Callable[[ParsedCommand, HandlerContext], Card]


@dataclass(frozen=True)
class Route:
    """Where the parser sends a line: a command and its arguments, the parsed breakdown question, or
    nothing (``failure``: what it could not read)."""

    command: ParsedCommand | None
    question: Question | None = None
    failure: UsageError | None = None


def route(text: str, context: HandlerContext) -> Route:
    """The offline router's decision for ``text`` (nothing is run)."""
    if asks_why(text):
        return Route(ParsedCommand("why", text, "为什么"))
    try:
        question = question_of(text, context)
        failure: UsageError | None = None
    except UsageError as error:  # NoDataError too: the other commands say so themselves
        question, failure = None, error
    if question is not None and (question.metric or question.by):
        return Route(ParsedCommand("query", text, "query"), question)
    intent = intent_of(text)
    if intent is not None:
        name, args = intent
        return Route(ParsedCommand(name, args, name))
    if question is not None and (question.scope or question.explicit_period):
        return Route(ParsedCommand("kpi", text, "kpi"))
    return Route(None, failure=failure)


def answer_free_text(text: str, context: HandlerContext, run: Run) -> Card:
    routed = route(text, context)
    if routed.question is not None:
        return answer_question(routed.question, context)
    if routed.command is not None:
        return run(routed.command, context)
    pick, notice = model_pick(text, context)
    if pick is not None:
        card = _picked(pick, context)
        if card is not None:
            return card
    card = not_understood_card(text, routed.failure, context)
    card.add_note(notice)
    return card


def _picked(pick: ParsedCommand, context: HandlerContext) -> Card | None:
    """Run the model's pick; None when its arguments are not usable (the parser's answer stands)."""
    from handlers.dispatch import HANDLERS  # the registry imports this module: look it up at call time

    assert pick.name is not None
    try:
        card = HANDLERS[pick.name](pick.args, context)
    except UsageError:
        return None
    card.context.insert(
        0,
        context.t(
            f"AI 理解为：/mo-{pick.name} {pick.args}", f"Understood by the AI as: /mo-{pick.name} {pick.args}"
        ),
    )
    return card


def not_understood_card(text: str, failure: UsageError | None, context: HandlerContext) -> Card:
    """Say which part was not understood and offer the two closest runnable commands."""
    t = context.t
    reason = (
        t(failure.zh, failure.en)
        if failure is not None
        else t("没有认出指标、维度或时间", "no metric, dimension or period recognised")
    )
    closest = closest_commands(text, context)
    return Card(
        title=t("没有看懂这个问题", "I did not understand that"),
        sections=[
            CardSection(
                text=t(f"没有看懂「{text}」：{reason}。", f"I did not understand “{text}”: {reason}.")
            ),
            CardSection(
                title=t("最接近的两个问法（可直接发送）", "The two closest commands (send as they are)"),
                bullets=closest,
            ),
            CardSection(
                text=t(
                    "也可以这样问：本周各平台的边现 · 上个月哪个资源位ROI最高 · 为什么这周边现下降了；/mo-help 列出全部命令",
                    "You can also ask: 边现 by platform this week · which position had the highest ROI last month · "
                    "why did 边现 drop this week; /mo-help lists every command",
                )
            ),
        ],
        language=context.language,
    )


def closest_commands(text: str, context: HandlerContext) -> list[str]:
    """Two runnable commands most like ``text``: breakdowns and explanations built from the metric and
    dimension it names (else the cube's first ones), and every command's own example."""
    lowered = text.lower()
    reader = context.data.reader()
    dimensions = reader.dimensions()
    words = dimension_words(dimensions, context.question_aliases)
    named_dimension = next(
        (d for w, d in sorted(words.items(), key=lambda i: -len(i[0])) if w in lowered), None
    )
    named_metric = next(
        (m for a, m in sorted(METRIC_ALIASES.items(), key=lambda i: -len(i[0])) if a in lowered), None
    )
    roi = any(w in lowered for w in ROI_WORDS)
    metric_word = "ROI" if roi else METRICS[named_metric or "arpu"].zh
    dimension = named_dimension or (dimensions[0] if dimensions else None)
    candidates: list[str] = []
    if dimension is not None:
        word = dimension_label(dimension, "zh")
        candidates.append(f"/mo-query 本周 各{word} {metric_word}")
        candidates.append(f"/mo-query 上个月 哪个{word} {metric_word} 最高")
    if not roi:
        candidates.append(f"/mo-why 本周 {metric_word}")
    candidates.append("/mo-kpi 本周")
    candidates += [c.example for c in COMMANDS if c.name not in ("help", "query")]
    known = named_metric is not None or named_dimension is not None or roi
    ranked = sorted(
        dict.fromkeys(candidates),
        key=lambda c: (
            -(
                difflib.SequenceMatcher(None, lowered, c.lower()).ratio()
                + (0.5 if known and c.startswith(("/mo-query", "/mo-why")) else 0.0)
            )
        ),
    )
    return ranked[:2]
