"""Socket Mode (``SLACK_APP_TOKEN``): the same Bolt app over a WebSocket, for teams without a public URL.

``memberops serve`` runs it next to the HTTP app (health, downloads) in one event loop. The WebSocket is
opened in a background task, not before the HTTP server starts: slack_sdk's ``connect`` retries forever
(every ``ping_interval`` seconds) while Slack refuses (``apps.connections.open`` failing, network down),
and the health check and download links must not wait for Slack.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

logger = logging.getLogger(__name__)


async def connect_socket_mode(handler: AsyncSocketModeHandler) -> None:
    """Open the WebSocket (slack_sdk retries until it succeeds or the handler is closed)."""
    await handler.connect_async()
    if not handler.client.closed:
        logger.info("Slack Socket Mode connected")


async def serve_with_socket_mode(server: uvicorn.Server, bolt_app: AsyncApp, app_token: str) -> None:
    """Serve HTTP and hold the Socket Mode connection until the HTTP server stops."""
    handler = AsyncSocketModeHandler(bolt_app, app_token)
    connecting = asyncio.create_task(connect_socket_mode(handler))
    try:
        await server.serve()
    finally:
        connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await connecting
        await handler.close_async()
        await asyncio.sleep(0)
