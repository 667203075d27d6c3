"""A fake Slack Socket Mode endpoint: an aiohttp WebSocket server on 127.0.0.1 in a background thread.

The flow it plays is Slack's: the app calls ``apps.connections.open`` (on ``FakeSlack``, whose
``socket_mode_url`` points here), connects to ``ws://127.0.0.1:<port>/link/?ticket=…``, receives
``{"type": "hello", …}``, then envelopes (``send``); it must answer each with ``{"envelope_id": …}``
(optionally with a ``payload``) — the ack. Every text frame the app sends is recorded as a ``Frame`` with
the monotonic time it arrived; pings are answered by aiohttp itself (autoping).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.slack_api import command_body

APP_ID = "A0APP"


@dataclass(frozen=True)
class Frame:
    """One JSON text frame the app sent over the WebSocket."""

    at: float  # time.monotonic() on arrival
    message: dict[str, Any]


def hello_message() -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": 1,
        "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
        "connection_info": {"app_id": APP_ID},
    }


def slash_command_envelope(envelope_id: str, command: str, text: str, response_url: str) -> dict[str, Any]:
    """A ``slash_commands`` envelope as Slack sends it: the command's fields as a JSON object."""
    payload = dict(urllib.parse.parse_qsl(command_body(command, text, response_url).decode()))
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": {**payload, "is_enterprise_install": "false"},
    }


class FakeSocketMode:
    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.connections = 0  # WebSocket connections accepted so far
        self.closed_connections = 0  # ... and ended (by either side)
        self._sockets: list[web.WebSocketResponse] = []
        self._tickets = itertools.count(1)
        self._lock = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout)
        return self

    def close(self, timeout: float = 10.0) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)

    def url(self) -> str:
        """A fresh ``ws://`` URL, as ``apps.connections.open`` hands out (a new ticket each time)."""
        return f"ws://127.0.0.1:{self._port}/link/?ticket=t{next(self._tickets)}&app_id={APP_ID}"

    # -- driving and inspection ------------------------------------------------------------------------
    def wait_connected(self, count: int = 1, timeout: float = 15.0) -> None:
        self._wait(lambda: self.connections >= count, timeout, f"{count} WebSocket connection(s)")

    def wait_closed(self, count: int = 1, timeout: float = 15.0) -> None:
        self._wait(lambda: self.closed_connections >= count, timeout, f"{count} closed connection(s)")

    def send(self, message: dict[str, Any], timeout: float = 10.0) -> float:
        """Send ``message`` on the newest open connection; returns the monotonic time it was sent."""
        sent_at = asyncio.run_coroutine_threadsafe(self._send(message), self._loop).result(timeout)
        return sent_at

    def wait_for_ack(self, envelope_id: str, timeout: float) -> Frame:
        """The frame acknowledging ``envelope_id``; fails if none arrives within ``timeout`` seconds."""
        found: list[Frame] = []

        def acked() -> bool:
            found[:] = [f for f in self.frames if f.message.get("envelope_id") == envelope_id]
            return bool(found)

        self._wait(acked, timeout, f"the ack of envelope {envelope_id}")
        return found[0]

    def _wait(self, ready: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not ready():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {what} within {timeout} s; frames: {self.frames}")
                self._lock.wait(remaining)

    # -- the server (on its own event loop) --------------------------------------------------------------
    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._websocket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _send(self, message: dict[str, Any]) -> float:
        open_sockets = [s for s in self._sockets if not s.closed]
        if not open_sockets:
            raise AssertionError("the app is not connected to the fake Socket Mode endpoint")
        sent_at = time.monotonic()
        await open_sockets[-1].send_str(json.dumps(message))
        return sent_at

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_str(json.dumps(hello_message()))
        with self._lock:
            self.connections += 1
            self._lock.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    with self._lock:
                        self.frames.append(Frame(time.monotonic(), json.loads(message.data)))
                        self._lock.notify_all()
        finally:
            self._sockets.remove(socket)
            with self._lock:
                self.closed_connections += 1
                self._lock.notify_all()
        return socket
