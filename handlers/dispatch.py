"""One entry point for every messenger and the CLI: text in, a card out — never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

from handlers.abtest import handle_abtest
from handlers.budget import handle_budget
from handlers.card import Card, CardSection, Severity
from handlers.commands import ParsedCommand, parse_command, spec
from handlers.context import HandlerContext
from handlers.errors import UsageError
from handlers.goal import handle_goal
from handlers.help import handle_help
from handlers.kpi import handle_kpi
from handlers.query import handle_query
from handlers.questions import answer_free_text
from handlers.retro import handle_retro
from handlers.search import handle_search
from handlers.strategy import handle_strategy
from handlers.telemetry import COMMAND_SECONDS
from handlers.why import handle_why
from storage.sources import SourceError

logger = logging.getLogger(__name__)

Handler = Callable[[str, HandlerContext], Card]

# Every command, registered in one place (as slack-bolt's examples register their listeners).
HANDLERS: dict[str, Handler] = {
    "help": handle_help,
    "goal": handle_goal,
    "strategy": handle_strategy,
    "budget": handle_budget,
    "search": handle_search,
    "retro": handle_retro,
    "why": handle_why,
    "abtest": handle_abtest,
    "kpi": handle_kpi,
    "query": handle_query,
}


def usage_card(error: UsageError, context: HandlerContext, command: str | None) -> Card:
    title = context.t("没法执行这个命令", "Cannot run this command")
    if command is not None:
        title = f"{spec(command).slash}: {title}"
    return Card(
        title=title,
        severity=Severity.INFO,
        sections=[
            CardSection(text=context.t(error.zh, error.en)),
            CardSection(title=context.t("示例", "Example"), text=error.example),
        ],
        language=context.language,
    )


def source_error_card(error: SourceError, context: HandlerContext) -> Card:
    """The warehouse is down, slow or misconfigured: say which, and which setting to look at."""
    timeout = error.setting == "METRICS_QUERY_TIMEOUT_S"
    return Card(
        title=context.t("数据源暂时不可用", "The data source is unavailable"),
        severity=Severity.MINOR,
        sections=[
            CardSection(
                text=context.t(
                    "数仓查询超时，没有得到结果。请稍后再试；管理员可检查数仓负载或调大 METRICS_QUERY_TIMEOUT_S。"
                    if timeout
                    else "读取指标数据时数仓没有正常应答，这次没有结果。管理员可运行 memberops source check 排查。",
                    "The warehouse did not answer in time. Try again later; an admin can check its load or "
                    "raise METRICS_QUERY_TIMEOUT_S."
                    if timeout
                    else "The warehouse did not answer properly; no result this time. An admin can run "
                    "memberops source check.",
                )
            ),
            CardSection(title=context.t("原因", "Reason"), text=str(error)),
        ],
        language=context.language,
    )


def run_parsed(parsed: ParsedCommand, context: HandlerContext) -> Card:
    if parsed.name is None and not parsed.args.lstrip().startswith("/"):
        return _answer_question(parsed.args, context)
    if parsed.name is None or parsed.name not in HANDLERS:  # a command we do not have: those we have
        return handle_help(parsed.args, context, unknown=parsed.word or parsed.args)
    with COMMAND_SECONDS.labels(parsed.name).time():
        return _answer(parsed, context)


def _answer_question(text: str, context: HandlerContext) -> Card:
    """Free text: the question router picks the command (``handlers.questions``)."""
    with COMMAND_SECONDS.labels("question").time():
        try:
            return answer_free_text(text, context, run_parsed)
        except UsageError as error:
            return usage_card(error, context, "query")
        except SourceError as error:
            logger.error("a question: the cube source failed: %s", error)
            return source_error_card(error, context)


def _answer(parsed: ParsedCommand, context: HandlerContext) -> Card:
    assert parsed.name is not None
    try:
        return HANDLERS[parsed.name](parsed.args, context)
    except UsageError as error:
        return usage_card(error, context, parsed.name)
    except SourceError as error:
        logger.error("command %s: the cube source failed: %s", parsed.name, error)
        return source_error_card(error, context)
    except Exception:
        logger.exception("command %s failed", parsed.name)
        return Card(
            title=context.t("出错了", "Something went wrong"),
            sections=[
                CardSection(
                    text=context.t(
                        "处理这个命令时出现内部错误，已记录日志。请稍后再试，或换个参数。示例：",
                        "An internal error occurred and was logged. Please try again later. Example:",
                    ),
                ),
                CardSection(text=spec(parsed.name).example),
            ],
            language=context.language,
        )


def run_command(text: str, context: HandlerContext) -> Card:
    return run_parsed(parse_command(text), context)
