"""Pacing outbound robot messages: at most N per sliding window, waiting (never dropping) when full.

DingTalk and WeCom group robots accept 20 messages per minute; DingTalk then blocks the robot for ten
minutes. A classic token bucket (capacity 20, refill 20/min) would allow 20 at once *plus* 19 refills in the
same minute — 39 messages, and a ten-minute block. A sliding-window log enforces the real rule exactly: it
remembers the send times of the last N messages, and the (N+1)-th waits until the oldest is ``window_s``
old. ``acquire`` holds a lock while it waits, so callers queue and go in arrival order.

The clock is injected (``Clock``) so tests advance time instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Wall-clock seconds since the epoch (signatures, timestamps)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (pacing)."""
        ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class SlidingWindowLimiter:
    """At most ``max_events`` acquisitions in any ``window_s`` seconds; extra callers wait their turn."""

    def __init__(self, max_events: int = 20, window_s: float = 60.0, clock: Clock | None = None) -> None:
        if max_events < 1 or window_s <= 0:
            raise ValueError("max_events must be ≥ 1 and window_s > 0")
        self.max_events = max_events
        self.window_s = window_s
        self.clock: Clock = clock or SystemClock()
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take a slot, sleeping until one is free; returns the seconds waited."""
        waited = 0.0
        with self._lock:
            while True:
                now = self.clock.monotonic()
                while self._sent and now - self._sent[0] >= self.window_s:
                    self._sent.popleft()
                if len(self._sent) < self.max_events:
                    self._sent.append(now)
                    return waited
                pause = self._sent[0] + self.window_s - now
                self.clock.sleep(pause)
                waited += pause


_SHARED: dict[str, SlidingWindowLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(key: str, max_events: int = 20, window_s: float = 60.0) -> SlidingWindowLimiter:
    """One limiter per robot (keyed by its webhook URL) for the whole process, on the system clock."""
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = SlidingWindowLimiter(max_events, window_s)
        return _SHARED[key]
