"""After the daily scan (or ``scan --notify``), republish the App Home of every remembered Slack user, from
whichever process ran it — so the home shows the morning's panel and alerts without being reopened.

Single-workspace installs (``SLACK_BOT_TOKEN``) only: an OAuth install's homes are republished when opened.
A failure is logged per user and never fails the job.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.render.slack_home import home_view
from core.config import Settings
from handlers.context import HandlerContext
from handlers.home import build_home
from storage.home_users_repo import home_users

logger = logging.getLogger(__name__)

SLACK_TIMEOUT_S = 10


def home_publisher(
    settings: Settings, handler_context: Callable[[], HandlerContext], clock: Callable[[], dt.datetime]
) -> Callable[[], int] | None:
    """A function that republishes every remembered home and returns how many were published; None
    when Slack has no bot token."""
    if settings.slack_bot_token is None:
        return None
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_S,
    )

    def publish() -> int:
        context = handler_context()
        users = home_users(context.engine)
        if not users:
            return 0
        view = home_view(build_home(context, clock()))  # the same home for everyone: one build
        published = 0
        for _team, user in users:
            try:
                client.views_publish(user_id=user, view=view)
                published += 1
            except SlackClientError as error:
                logger.error("republishing the home of %s failed: %s", user, error)
        logger.info("republished %d of %d Slack homes", published, len(users))
        return published

    return publish
