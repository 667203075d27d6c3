"""Events: ``@MemberOps 为什么这周边现下降了`` in a channel is answered in the mention's thread, a direct
message (``message.im``) in the DM; both go through the question router like every other text."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.posting import DeliveryError, post_card
from bot.slack.runtime import SlackRuntime
from handlers.commands import parse_command

logger = logging.getLogger(__name__)

# The Events API subscriptions the manifest declares; each one has a listener below (Bolt answers 404 to an
# event without one, and Slack then retries and eventually disables the subscription).
BOT_EVENTS: tuple[str, ...] = ("app_mention", "message.im", "app_home_opened")  # the home: bot/slack/home.py


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    async def answer_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        card = await runtime.run(parse_command(event.get("text", "")))
        try:
            await post_card(
                client, event["channel"], card, thread_ts=event.get("thread_ts") or event.get("ts")
            )
        except DeliveryError as error:
            logger.error("could not answer a mention: %s", error)

    async def answer_direct_message(event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
            return  # our own answers, edits, joins: acknowledged, not answered
        card = await runtime.run(parse_command(event.get("text", "")))
        try:
            await post_card(client, event["channel"], card, thread_ts=event.get("thread_ts"))
        except DeliveryError as error:
            logger.error("could not answer a direct message: %s", error)

    app.event("app_mention")(ack=acknowledge, lazy=[answer_mention])
    app.event("message")(ack=acknowledge, lazy=[answer_direct_message])  # message.im: every one acked
