"""An aiohttp server on 127.0.0.1 in a background thread with its own event loop: the base of the fakes that
speak WebSocket protocols (DingTalk Stream, the WeCom AI bot). Subclasses add their routes in ``routes`` and
record under ``self._lock`` (a Condition: ``wait`` returns when a predicate holds)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

from aiohttp import web


class AiohttpThread:
    def __init__(self) -> None:
        self._sockets: list[web.WebSocketResponse] = []
        self._lock = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def routes(self, app: web.Application) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self):  # type: ignore[no-untyped-def]
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def push(self, frame: dict[str, Any]) -> None:
        """Send ``frame`` as JSON text on the newest open WebSocket."""
        asyncio.run_coroutine_threadsafe(self._push(frame), self._loop).result(10)

    def wait(self, ready: Any, what: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not ready():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {what} within {timeout} s; {self.describe()}")
                self._lock.wait(remaining)

    def describe(self) -> str:
        return ""

    def _notify(self) -> None:
        with self._lock:
            self._lock.notify_all()

    async def _serve(self) -> None:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def _shutdown(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _push(self, frame: dict[str, Any]) -> None:
        open_sockets = [s for s in self._sockets if not s.closed]
        if not open_sockets:
            raise AssertionError(f"the app is not connected to {type(self).__name__}")
        await open_sockets[-1].send_str(json.dumps(frame, ensure_ascii=False))
