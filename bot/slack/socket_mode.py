"""Socket Mode (``SLACK_APP_TOKEN``): the same Bolt app over a WebSocket, for teams without a public URL.

``memberops serve`` runs it next to the HTTP app (health, downloads) in one event loop.
"""

from __future__ import annotations

import asyncio
import logging

import uvicorn
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

logger = logging.getLogger(__name__)


async def serve_with_socket_mode(server: uvicorn.Server, bolt_app: AsyncApp, app_token: str) -> None:
    """Serve HTTP and hold the Socket Mode connection until the HTTP server stops."""
    handler = AsyncSocketModeHandler(bolt_app, app_token)
    await handler.connect_async()
    logger.info("Slack Socket Mode connected")
    try:
        await server.serve()
    finally:
        await handler.close_async()
        await asyncio.sleep(0)
