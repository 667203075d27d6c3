"""WeCom 智能机器人 over its long connection (no public URL), after the official ``aibot-node-sdk``.

Frames are ``{"cmd", "headers": {"req_id"}, "body"}``. The client connects to ``WECOM_BOT_WS_URL``, subscribes
(``aibot_subscribe`` {bot_id, secret}; the answer ``{"headers": {"req_id"}, "errcode": 0}``), sends a ``ping``
every 30 s (two unanswered pings: the connection is dead), and dispatches ``aibot_msg_callback`` (messages)
and ``aibot_event_callback`` (events) to its handlers, concurrently. A request of ours (``aibot_respond_msg``,
``aibot_respond_update_msg``, ``aibot_send_msg``) waits for the answer with its ``req_id`` and raises on a
non-zero ``errcode``. Lost connection or failed subscription: reconnect with backoff (1 s doubling to 30 s).
A ``disconnected_event`` means a newer connection of the same bot took over: it is logged and not fought —
the client waits ``SUPERSEDED_WAIT_S`` before trying again instead of kicking the other one out.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.connection_lease import STANDBY_S, ConnectionLease

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
HEARTBEAT_S = 30.0
MISSED_PINGS = 2
REQUEST_TIMEOUT_S = 5.0
BACKOFF_BASE_S, BACKOFF_MAX_S = 1.0, 30.0
SUPERSEDED_WAIT_S = 600.0
_ids = itertools.count(1)

_current: AIBotClient | None = None


def current_client() -> AIBotClient | None:
    """The connection of this process (set while ``serve`` runs it), for the alert channel."""
    return _current


def req_id(prefix: str) -> str:
    return f"{prefix}_{int(time.time() * 1000)}_{next(_ids)}"


class AIBotError(RuntimeError):
    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


class AIBotClient:
    def __init__(
        self,
        url: str,
        bot_id: str,
        secret: str,
        *,
        on_message: Handler,
        on_event: Handler,
        heartbeat_s: float = HEARTBEAT_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        lease: ConnectionLease | None = None,
    ) -> None:
        self.lease = lease
        self.standing_by = False
        self.url = url
        self.bot_id = bot_id
        self._secret = secret
        self.on_message = on_message
        self.on_event = on_event
        self.heartbeat_s = heartbeat_s
        self.sleep = sleep
        self.authenticated = asyncio.Event()
        self.superseded = 0  # disconnected_event received so far
        self.connections = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._stop = asyncio.Event()
        self._missed = 0
        self._tasks: set[asyncio.Task[None]] = set()

    # -- running -------------------------------------------------------------------------------------
    async def run(self) -> None:
        global _current
        self.loop = asyncio.get_running_loop()
        _current = self
        attempt = 0
        try:
            async with aiohttp.ClientSession() as session:
                while not self._stop.is_set():
                    if self.lease is not None and not await asyncio.to_thread(self.lease.acquire):
                        self.standing_by = True  # another replica holds the bot's connection
                        await self.sleep(STANDBY_S)
                        continue
                    self.standing_by = False
                    wait = backoff(attempt)
                    try:
                        outcome = await self._serve(session)
                        attempt = 0 if outcome == "served" else attempt + 1
                        if outcome == "superseded":
                            wait = SUPERSEDED_WAIT_S
                    except (aiohttp.ClientError, AIBotError, TimeoutError, ValueError) as error:
                        logger.error("WeCom AI bot connection failed: %s", error)
                        attempt += 1
                        wait = backoff(attempt)
                    if not self._stop.is_set():
                        await self.sleep(wait)
        finally:
            if _current is self:
                _current = None
            if self.lease is not None:  # the next replica need not wait for the lease to expire
                await asyncio.to_thread(self.lease.release)

    async def stop(self) -> None:
        self._stop.set()
        if self._socket is not None and not self._socket.closed:
            await self._socket.close()

    async def _serve(self, session: aiohttp.ClientSession) -> str:
        async with session.ws_connect(self.url) as socket:
            self._socket = socket
            self.connections += 1
            holding = asyncio.create_task(self.lease.hold(socket.close)) if self.lease is not None else None
            reader = asyncio.create_task(self._read(socket))
            try:
                answer = await self.request(
                    "aibot_subscribe", {"bot_id": self.bot_id, "secret": self._secret}
                )
                del answer
                self.authenticated.set()
                logger.info("WeCom AI bot subscribed (%d)", self.connections)
                heartbeat = asyncio.create_task(self._heartbeat(socket))
                try:
                    return await reader
                finally:
                    heartbeat.cancel()
            finally:
                self.authenticated.clear()
                if holding is not None:
                    holding.cancel()
                reader.cancel()
                await asyncio.gather(reader, return_exceptions=True)
                for future in self._pending.values():
                    if not future.done():
                        future.set_exception(AIBotError("connection closed"))
                self._pending.clear()
                if self._tasks:  # handlers of this connection: they cannot answer on a closed socket
                    await asyncio.wait(set(self._tasks), timeout=REQUEST_TIMEOUT_S)
                self._socket = None

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> str:
        outcome = "closed"
        async for message in socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(message.data)
            except ValueError:
                logger.warning("WeCom AI bot: a frame that is not JSON")
                continue
            outcome = "served"
            cmd = frame.get("cmd") or ""
            if cmd == "aibot_event_callback" and _event_type(frame) == "disconnected_event":
                self.superseded += 1
                logger.warning("WeCom AI bot: a newer connection took over; not reconnecting for a while")
                await socket.close()
                return "superseded"
            if cmd in ("aibot_msg_callback", "aibot_event_callback"):
                handler = self.on_message if cmd == "aibot_msg_callback" else self.on_event
                task = asyncio.create_task(self._dispatch(handler, frame))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                continue
            future = self._pending.pop(str(frame.get("headers", {}).get("req_id", "")), None)
            if future is not None and not future.done():
                future.set_result(frame)
        return outcome

    async def _dispatch(self, handler: Handler, frame: dict[str, Any]) -> None:
        try:
            await handler(frame)
        except Exception:
            logger.exception("WeCom AI bot handler failed")

    async def _heartbeat(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        while not socket.closed:
            await asyncio.sleep(self.heartbeat_s)
            try:
                await self.request("ping", None, timeout=self.heartbeat_s)
                self._missed = 0
            except (AIBotError, TimeoutError):
                self._missed += 1
                if self._missed >= MISSED_PINGS:
                    logger.error("WeCom AI bot: %d pings unanswered, reconnecting", self._missed)
                    await socket.close()
                    return

    # -- requests ------------------------------------------------------------------------------------
    async def request(
        self,
        cmd: str,
        body: dict[str, Any] | None,
        *,
        reply_to: str | None = None,
        timeout: float = REQUEST_TIMEOUT_S,
    ) -> dict[str, Any]:
        """Send a frame and wait for its answer; ``reply_to`` is the callback's ``req_id`` (replies and card
        updates answer a callback with its own id)."""
        socket = self._socket
        if socket is None or socket.closed:
            raise AIBotError("not connected")
        rid = reply_to or req_id(cmd)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = future
        frame: dict[str, Any] = {"cmd": cmd, "headers": {"req_id": rid}}
        if body is not None:
            frame["body"] = body
        await socket.send_str(json.dumps(frame, ensure_ascii=False))
        try:
            answer = await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(rid, None)
        errcode = int(answer.get("errcode", 0) or 0)
        if errcode != 0:
            raise AIBotError(f"{cmd}: errcode {errcode} {answer.get('errmsg', '')}", errcode)
        return answer

    def request_from_thread(
        self, cmd: str, body: dict[str, Any], *, timeout: float = REQUEST_TIMEOUT_S
    ) -> dict[str, Any]:
        """:meth:`request` from a worker thread (the alert outbox)."""
        if self.loop is None or not self.authenticated.is_set():
            raise AIBotError("not connected")
        return asyncio.run_coroutine_threadsafe(self.request(cmd, body, timeout=timeout), self.loop).result(
            timeout + 1
        )


def _event_type(frame: dict[str, Any]) -> str:
    return str(((frame.get("body") or {}).get("event") or {}).get("eventtype", ""))


def backoff(attempt: int) -> float:
    if attempt <= 0:
        return 0.05
    return min(BACKOFF_BASE_S * 2 ** min(attempt - 1, 16) + random.uniform(0, 0.5), BACKOFF_MAX_S)
