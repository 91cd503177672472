"""Client-side rate limiting: stay under a remote API's limit instead of bouncing off it.

A sliding window per key (one key per connection): `acquire` blocks until one more request fits
in the window. The in-process backend is shared by every client of the same connection inside a
worker process.
"""

import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    requests: int
    per_seconds: float

    def __post_init__(self):
        if self.requests < 1 or self.per_seconds <= 0:
            raise ValueError("a limit needs at least one request in a positive window")


class SlidingWindowLimiter:
    """Process-wide sliding windows, keyed by connection."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}

    def acquire(self, key: str, limit: Limit) -> float:
        """Take one slot for `key`, waiting if needed. Returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                window = self._windows.setdefault(key, deque())
                while window and window[0] <= now - limit.per_seconds:
                    window.popleft()
                if len(window) < limit.requests:
                    window.append(now)
                    return waited
                wait = window[0] + limit.per_seconds - now
            self._sleep(wait)
            waited += wait

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


local_limiter = SlidingWindowLimiter()
