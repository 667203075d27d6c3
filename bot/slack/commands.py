"""Slash commands: ``/mo-goal /mo-strategy /mo-budget /mo-why /mo-retro /mo-search /mo-help`` and the
umbrella ``/memberops``; the bare names of earlier installs (``/why`` …) are answered too, where Slack still
delivers them, but are not in the manifest (``/search`` is one of Slack's built-in commands).

Each command is a Bolt lazy listener. The ack function answers within Slack's 3 s at once with a short
ephemeral "working on it" (the HTTP response itself); the lazy function then runs the handler in a worker
thread and posts the card through the command's response_url. ``/budget`` without arguments opens the
budget modal instead (views.open needs the trigger_id, valid for 3 s, so it is opened right after ack).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.posting import DeliveryError, respond_card, respond_text
from bot.slack.runtime import SlackRuntime
from bot.slack.views import open_budget_modal
from handlers.commands import COMMANDS, UMBRELLA, ParsedCommand, parse_command, spec

logger = logging.getLogger(__name__)

SLASH_COMMANDS: tuple[str, ...] = (*(command.slash for command in COMMANDS), f"/{UMBRELLA}")
LEGACY_SLASH_COMMANDS: tuple[str, ...] = tuple(f"/{command.name}" for command in COMMANDS)


def parse_slash(body: dict[str, Any]) -> ParsedCommand:
    """``/memberops why 本周``, ``/mo-why 本周`` and ``/why 本周`` all become ``ParsedCommand("why", "本周")``."""
    return parse_command(f"{body.get('command', '')} {body.get('text', '')}")


def opens_budget_modal(parsed: ParsedCommand) -> bool:
    return parsed.name == "budget" and not parsed.args.strip()


def working_text(runtime: SlackRuntime, parsed: ParsedCommand) -> str:
    word = spec(parsed.name).slash if parsed.name else runtime.t("命令", "the command")
    return runtime.t(
        f":hourglass_flowing_sand: 正在处理 {word}…", f":hourglass_flowing_sand: Working on {word}…"
    )


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        parsed = parse_slash(body)
        if not opens_budget_modal(parsed):
            await ack(text=working_text(runtime, parsed))
            return
        await ack()
        await open_budget_modal(
            client,
            runtime,
            trigger_id=body["trigger_id"],
            response_url=body.get("response_url", ""),
            channel_id=body.get("channel_id", ""),
        )

    async def answer(body: dict[str, Any], client: AsyncWebClient) -> None:
        parsed = parse_slash(body)
        if opens_budget_modal(parsed):
            return
        card = await runtime.run(parsed)
        response_url = body["response_url"]
        try:
            await respond_card(client, response_url, card, channel_id=body.get("channel_id"))
        except DeliveryError as error:
            logger.error("could not deliver the /%s card: %s", parsed.name, error)
            await tell_delivery_failed(runtime, response_url)

    for command in (*SLASH_COMMANDS, *LEGACY_SLASH_COMMANDS):
        app.command(command)(ack=acknowledge, lazy=[answer])


async def tell_delivery_failed(runtime: SlackRuntime, response_url: str) -> None:
    """Best effort: Slack refused the card (after retries); say so rather than stay silent."""
    try:
        await respond_text(
            response_url,
            runtime.t(
                "结果已生成，但发送到 Slack 失败（Slack 服务暂时不可用）。请稍后重试。",
                "The result is ready but Slack did not accept it (Slack unavailable). Please retry later.",
            ),
        )
    except Exception:
        logger.exception("could not tell the user that delivery failed")
