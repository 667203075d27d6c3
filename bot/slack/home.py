"""The App Home tab: published on ``app_home_opened`` (the user is remembered, so the daily scan republishes
their home from any process: ``scheduler/homes.py``), after a button pressed on it, and its command buttons
(``home_command:<i>``, value = a key of ``handlers.home.HOME_COMMANDS``) answer in the user's DM."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack_home import home_view
from bot.slack.files import describe_error
from bot.slack.posting import DeliveryError, post_card
from bot.slack.runtime import SlackRuntime
from handlers.commands import parse_command
from handlers.home import HOME_COMMAND_ACTION, HOME_COMMANDS, build_home
from storage.home_users_repo import remember_home_user

logger = logging.getLogger(__name__)

HOME_ACTION = re.compile(rf"^{HOME_COMMAND_ACTION}:\d+$")


def is_home(body: dict[str, Any]) -> bool:
    """The click came from a button on the App Home (not from a message)."""
    return (body.get("view") or {}).get("type") == "home"


async def publish_home(runtime: SlackRuntime, client: AsyncWebClient, user_id: str) -> None:
    now = runtime.now()
    home = await runtime.in_thread(lambda context: build_home(context, now))
    try:
        await client.views_publish(user_id=user_id, view=home_view(home))
    except SlackClientError as error:
        logger.error("views.publish for %s failed: %s", user_id, describe_error(error))


async def dm_card(client: AsyncWebClient, user_id: str, card: Any) -> None:
    """Post a card to the user's direct messages with the app."""
    try:
        opened = await client.conversations_open(users=user_id)
        await post_card(client, opened["channel"]["id"], card)
    except (SlackClientError, DeliveryError) as error:
        logger.error("could not answer %s in a DM: %s", user_id, error)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def acknowledge(ack: AsyncAck) -> None:
        await ack()

    async def opened(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":  # the Messages tab: nothing to publish
            return
        user_id = str(event["user"])
        team_id = str(body.get("team_id") or "")
        await asyncio.to_thread(remember_home_user, runtime.context.engine, team_id, user_id, runtime.now())
        await publish_home(runtime, client, user_id)

    async def run_home_command(body: dict[str, Any], client: AsyncWebClient) -> None:
        key = str(body["actions"][0].get("value", ""))
        if key not in HOME_COMMANDS:  # a forged value: no command runs
            logger.warning("home button with an unknown value %r ignored", key[:40])
            return
        card = await runtime.run(parse_command(HOME_COMMANDS[key][0]))
        await dm_card(client, str(body["user"]["id"]), card)

    app.event("app_home_opened")(ack=acknowledge, lazy=[opened])
    app.action(HOME_ACTION)(ack=acknowledge, lazy=[run_home_command])
