"""DingTalk Stream mode: the app connects out to DingTalk, so no public URL is needed.

``POST {DINGTALK_API_URL}/v1.0/gateway/connections/open`` with the app's clientId/clientSecret and the
subscriptions (bot messages, card callbacks) returns an ``endpoint`` and a single-use ``ticket``; the client
opens the WebSocket ``endpoint?ticket=…`` and answers every frame on it (:mod:`bot.dingtalk.stream_frames`):
``ping`` system frames with their echo, callbacks with the handler's response. On ``disconnect``, a closed
socket or a failed open, it asks for a new ticket and reconnects with exponential backoff (1 s doubling to
60 s, with jitter; reset once a frame arrives). A frame delivered again (same ``messageId``) is answered with
the first answer and not handled twice. Handlers run in worker threads, frames concurrently, so a slow
command never delays the acks of the others. Modelled on the official ``dingtalk-stream`` SDK's client.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.connection_lease import STANDBY_S, ConnectionLease
from bot.dingtalk.stream_frames import (
    CALLBACK,
    NOT_IMPLEMENTED,
    SYSTEM,
    TOPIC_DISCONNECT,
    Frame,
    FrameError,
    ack,
    callback_ack,
    parse_frame,
)

logger = logging.getLogger(__name__)

Handler = Callable[[Frame], Awaitable[Any]]  # returns the callback's response
OPEN_PATH = "/v1.0/gateway/connections/open"
BACKOFF_BASE_S, BACKOFF_MAX_S, JITTER_S = 1.0, 60.0, 1.0
KEPT_ACKS = 2000  # answers kept for redelivered frames
HTTP_TIMEOUT_S = 10


class StreamOpenError(RuntimeError):
    """DingTalk refused to open a connection (wrong credentials, …)."""


class StreamClient:
    def __init__(
        self,
        api_url: str,
        client_id: str,
        client_secret: str,
        handlers: dict[str, Handler],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        user_agent: str = "memberops-copilot",
        lease: ConnectionLease | None = None,
    ) -> None:
        self.lease = lease
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.handlers = handlers
        self.sleep = sleep
        self.user_agent = user_agent
        self.connections = 0  # sockets opened so far (for /healthz and the tests)
        self.connected = asyncio.Event()
        self._acks: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._stop = asyncio.Event()
        self.standing_by = False
        self._serving: asyncio.Task[bool] | None = None

    async def open_connection(self, session: aiohttp.ClientSession) -> str:
        """A fresh ``endpoint?ticket=…`` URL (a ticket is good for one connection)."""
        body = {
            "clientId": self.client_id,
            "clientSecret": self._secret,
            "subscriptions": [{"type": CALLBACK, "topic": topic} for topic in self.handlers],
            "ua": self.user_agent,
        }
        async with session.post(
            f"{self.api_url}{OPEN_PATH}", json=body, timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
        ) as response:
            payload = await response.json(content_type=None)
            if response.status != 200 or "endpoint" not in payload or "ticket" not in payload:
                raise StreamOpenError(f"HTTP {response.status}: {str(payload)[:200]}")
        separator = "&" if "?" in payload["endpoint"] else "?"
        return f"{payload['endpoint']}{separator}ticket={payload['ticket']}"

    async def run(self) -> None:
        """Connect, serve, reconnect — until :meth:`stop`."""
        try:
            await self._run()
        finally:
            if self.lease is not None:  # the next replica need not wait for the lease to expire
                await asyncio.to_thread(self.lease.release)

    async def _run(self) -> None:
        attempt = 0
        async with aiohttp.ClientSession(headers={"User-Agent": self.user_agent}) as session:
            while not self._stop.is_set():
                if self.lease is not None and not await asyncio.to_thread(self.lease.acquire):
                    self.standing_by = True  # another replica holds the connection
                    await self.sleep(STANDBY_S)
                    continue
                self.standing_by = False
                try:
                    url = await self.open_connection(session)
                    self._serving = asyncio.create_task(self._serve(session, url))
                    served = await self._serving
                    attempt = 0 if served else attempt + 1
                except asyncio.CancelledError:
                    if not self._stop.is_set():
                        raise
                    break  # stopped: the socket was closed by leaving _serve
                except (aiohttp.ClientError, StreamOpenError, TimeoutError, ValueError) as error:
                    logger.error("DingTalk Stream connection failed: %s", error)
                    attempt += 1
                if not self._stop.is_set():
                    await self.sleep(backoff(attempt))

    async def stop(self) -> None:
        self._stop.set()
        if self._serving is not None and not self._serving.done():
            self._serving.cancel()  # leaves ``async with ws_connect``, which closes the socket

    async def _serve(self, session: aiohttp.ClientSession, url: str) -> bool:
        """Serve one socket until it closes; True when at least one frame arrived."""
        served = False
        tasks: set[asyncio.Task[None]] = set()
        async with session.ws_connect(url, heartbeat=30) as socket:
            holding = asyncio.create_task(self.lease.hold(socket.close)) if self.lease is not None else None
            self.connections += 1
            self.connected.set()
            logger.info("DingTalk Stream connected (%d)", self.connections)
            async for message in socket:
                if message.type != aiohttp.WSMsgType.TEXT:
                    if message.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE):
                        break
                    continue
                served = True
                try:
                    frame = parse_frame(message.data)
                except FrameError as error:
                    logger.warning("DingTalk Stream: %s", error)
                    continue
                if frame.type == SYSTEM and frame.topic == TOPIC_DISCONNECT:
                    await socket.send_json(ack(frame))
                    logger.info("DingTalk asked to reconnect (disconnect frame)")
                    break
                task = asyncio.create_task(self._answer(socket, frame))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if self._stop.is_set():
                    break
            if tasks:
                await asyncio.wait(tasks, timeout=10)
            if holding is not None:
                holding.cancel()
        self.connected.clear()
        return served

    async def _answer(self, socket: aiohttp.ClientWebSocketResponse, frame: Frame) -> None:
        try:
            await socket.send_json(await self._ack_for(frame))
        except (ConnectionError, RuntimeError, aiohttp.ClientError) as error:
            logger.warning("DingTalk Stream: could not ack %s: %s", frame.message_id, error)

    async def _ack_for(self, frame: Frame) -> dict[str, Any]:
        if frame.type == SYSTEM:
            return ack(frame)
        if frame.message_id and frame.message_id in self._acks:  # delivered again: the same answer
            return self._acks[frame.message_id]
        if frame.message_id in self._inflight:  # delivered again while the first is being handled
            return await asyncio.shield(self._inflight[frame.message_id])
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        if frame.message_id:
            self._inflight[frame.message_id] = future
        try:
            answer = await self._handled(frame)
            future.set_result(answer)
            return answer
        finally:
            self._inflight.pop(frame.message_id, None)
            if not future.done():
                future.cancel()

    async def _handled(self, frame: Frame) -> dict[str, Any]:
        handler = self.handlers.get(frame.topic)
        if handler is None:
            return callback_ack(frame, None, code=NOT_IMPLEMENTED) if frame.type == CALLBACK else ack(frame)
        try:
            answer = callback_ack(frame, await handler(frame)) if frame.type == CALLBACK else ack(frame)
        except Exception:
            logger.exception("DingTalk Stream handler for %s failed", frame.topic)
            return callback_ack(frame, None, code=500)
        if frame.message_id:
            self._acks[frame.message_id] = answer
            while len(self._acks) > KEPT_ACKS:
                self._acks.popitem(last=False)
        return answer


def backoff(attempt: int) -> float:
    """Seconds before the next connection: 0 after a served socket, else 1 s doubling to 60 s, plus jitter."""
    if attempt <= 0:
        return random.uniform(0, JITTER_S) / 10
    return min(BACKOFF_BASE_S * 2 ** min(attempt - 1, 16) + random.uniform(0, JITTER_S), BACKOFF_MAX_S)
