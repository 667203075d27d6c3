"""A long-connection client of ours (DingTalk Stream, the WeCom AI bot) run as ``serve`` runs it: on its own
event loop in a thread, with its reconnect and stand-by waits shortened so tests do not sleep."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any


class Running:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.loop = asyncio.new_event_loop()
        client.sleep = lambda _seconds: asyncio.sleep(0.01)
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(client.run(),), daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.client.stop(), self.loop).result(5)
        self.thread.join(10)

    def until(self, ready: Any, what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            assert time.monotonic() < deadline, f"the client never got {what}"
            time.sleep(0.01)
