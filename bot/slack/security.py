"""What we add to Bolt's own signature check: a body size limit, a replay guard and allow-lists.

Order of the checks on ``POST /slack/events``:
1. ``bot.request_body.read_limited_body`` (before Bolt parses anything): bodies over 64 KiB get 413.
2. Bolt's ``RequestVerification``: HMAC v0 signature and a timestamp within 5 minutes, else 401.
3. ``refuse_replays`` (Bolt's ``before_authorize`` hook, so it only sees genuinely signed requests): the
   first arrival of a signature is recorded in the database (``storage.replay_guard``, shared by every
   replica); an exact replay inside the window gets 401 and runs nothing.
4. ``enforce_allow_lists`` (global middleware, after authorization): with ``SLACK_ALLOWED_TEAMS`` /
   ``SLACK_ALLOWED_CHANNELS`` set, requests from elsewhere are acknowledged with a short notice (slash
   commands) or silently, and no listener runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.runtime import SlackRuntime
from storage.replay_guard import first_time

logger = logging.getLogger(__name__)

Next = Callable[[], Awaitable[None]]


def replay_guard(runtime: SlackRuntime) -> Callable[..., Awaitable[BoltResponse | None]]:
    """The replay check runs on its own small thread pool: acks never queue behind command handlers,
    which use the default executor."""
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-replay-guard")

    async def refuse_replays(req: AsyncBoltRequest, resp: BoltResponse, next_: Next) -> BoltResponse | None:
        if req.mode == "socket_mode":  # no signature: the WebSocket is authenticated instead
            return await next_()  # type: ignore[func-returns-value]
        signature = (req.headers.get("x-slack-signature") or [""])[0]
        fresh = await asyncio.get_running_loop().run_in_executor(
            executor, first_time, runtime.context.engine, "slack", signature, runtime.now()
        )
        if not fresh:
            logger.warning("refused a replayed Slack request")
            return BoltResponse(status=401, body="replayed request")
        return await next_()  # type: ignore[func-returns-value]

    return refuse_replays


def _not_allowed(runtime: SlackRuntime, context: dict[str, Any]) -> bool:
    team = context.get("team_id") or context.get("enterprise_id")
    channel = context.get("channel_id")
    if runtime.allowed_teams and team not in runtime.allowed_teams:
        return True
    return bool(runtime.allowed_channels and channel is not None and channel not in runtime.allowed_channels)


def allow_list_guard(runtime: SlackRuntime) -> Callable[..., Awaitable[BoltResponse | None]]:
    async def enforce_allow_lists(
        body: dict[str, Any], context: dict[str, Any], next_: Next
    ) -> BoltResponse | None:
        if not _not_allowed(runtime, context):
            return await next_()  # type: ignore[func-returns-value]
        logger.info(
            "Slack request from team %s channel %s refused by the allow-lists",
            context.get("team_id"),
            context.get("channel_id"),
        )
        if "command" in body:
            return BoltResponse(
                status=200,
                body=runtime.t(
                    "这个工作区或频道没有开通会员运营助手，请联系管理员。",
                    "MemberOps Copilot is not enabled in this workspace or channel; ask your admin.",
                ),
            )
        return BoltResponse(status=200, body="")

    return enforce_allow_lists
