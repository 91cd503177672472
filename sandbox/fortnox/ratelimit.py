"""Fortnox's rate limit: a sliding window (25 requests per 5 s by default) per app + tenant.

The window lives in process memory behind a lock: with several server processes each one counts
on its own, so the effective limit is per process. Good enough for a sandbox; refused requests
do not count, so a client that backs off gets back in as the window slides.
"""

import threading
import time
from collections import defaultdict, deque


class SlidingWindowLimiter:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[tuple, deque] = defaultdict(deque)

    def allow(self, key: tuple, limit: int, window_seconds: float) -> bool:
        """Record a request for `key` and say whether it fits in the window."""
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - window_seconds:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


limiter = SlidingWindowLimiter()
