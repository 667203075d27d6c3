"""Only one replica runs a given scan: a lease row in the database (SQLite and PostgreSQL alike).

Each acquisition uses a fresh holder token, so two threads of the same process exclude each other too.
A holder that crashes keeps the lease until it expires (``SCAN_LEASE_S``); then another replica takes
over and, because every write of the scan is idempotent (unique alert keys, unique delivery rows), simply
finishes what the crashed one started.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from storage.lease_repo import acquire_lease, release_lease


@contextmanager
def lease(engine: Engine, name: str, worker: str, now: dt.datetime, ttl: dt.timedelta) -> Iterator[bool]:
    """``with lease(...) as held:`` — ``held`` is False when another holder has it (do nothing then)."""
    holder = f"{worker}:{uuid.uuid4().hex[:8]}"
    held = acquire_lease(engine, name, holder, now, ttl)
    try:
        yield held
    finally:
        if held:
            release_lease(engine, name, holder)
