"""Only one replica holds each long connection (DingTalk Stream, the WeCom AI bot): a lease row in the
database (``storage.lease_repo``, as the daily scan's), taken before connecting and renewed while connected.
A replica without it stands by and tries again; one whose renewal fails (it lost the lease, e.g. after a
long pause) closes its connection. WeCom drops the older connection when a second one subscribes, so two
replicas connecting at once would take the bot from each other all day.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.engine import Engine

from storage.lease_repo import acquire_lease, release_lease

logger = logging.getLogger(__name__)

LEASE_TTL_S = 60.0
STANDBY_S = 30.0  # a standing-by replica asks again this often


class ConnectionLease:
    def __init__(self, engine: Engine, name: str, *, ttl_s: float = LEASE_TTL_S) -> None:
        self.engine = engine
        self.name = f"connection:{name}"
        self.ttl = dt.timedelta(seconds=ttl_s)
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def acquire(self) -> bool:
        """Take or renew the lease; False when another replica holds it."""
        return acquire_lease(self.engine, self.name, self.holder, dt.datetime.now(dt.UTC), self.ttl)

    def release(self) -> None:
        release_lease(self.engine, self.name, self.holder)

    async def hold(self, close: Callable[[], Awaitable[object]]) -> None:
        """Renew every third of the lease's life while connected; ``close`` the connection once it is lost."""
        while True:
            await asyncio.sleep(self.ttl.total_seconds() / 3)
            if not await asyncio.to_thread(self.acquire):
                logger.warning("lost the lease %s to another replica: closing the connection", self.name)
                await close()
                return
