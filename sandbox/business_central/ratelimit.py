"""Business Central's per-user limits (business-central.md §2): 6 000 requests per 5-minute
sliding window (429 past it), at most 5 requests processed at once, up to 95 more queued (429
past that) and a queued request given up after the queue timeout (503 with Retry-After).

Kept in process memory behind one condition variable: with several server processes each
counts on its own, which is good enough for a sandbox.
"""

import threading
import time
from collections import defaultdict, deque

from .errors import BCError


class UserLimits:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._condition = threading.Condition()
        self._hits: dict[str, deque] = defaultdict(deque)
        self._active: dict[str, int] = defaultdict(int)
        self._queued: dict[str, int] = defaultdict(int)

    def enter(self, key: str, environment) -> None:
        """Count one request of `key` (a user) and wait for a processing slot; raise when refused."""
        with self._condition:
            now = self.clock()
            hits = self._hits[key]
            while hits and hits[0] <= now - environment.rate_limit_window_seconds:
                hits.popleft()
            if len(hits) >= environment.rate_limit_requests:
                headers = {"Retry-After": str(environment.throttle_retry_after)} if environment.throttle_retry_after \
                    else {}
                # SIMULATED body: the real 429 body was never recorded (§2).
                raise BCError(429, "Application_TooManyRequests",
                              "The number of requests exceeded the limit of the 5-minute window.", headers)
            if self._active[key] >= environment.max_concurrent:
                if self._queued[key] >= environment.max_queue:
                    raise BCError(429, "Application_TooManyRequests", "Too many requests are queued for this user.")
                self._queued[key] += 1
                deadline = now + environment.queue_timeout_seconds
                try:
                    while self._active[key] >= environment.max_concurrent:
                        remaining = deadline - self.clock()
                        if remaining <= 0:
                            raise BCError(503, "Internal_ServiceUnavailable",
                                          "The request waited too long in the queue.", {"Retry-After": "5"})
                        self._condition.wait(remaining)
                finally:
                    self._queued[key] -= 1
            hits.append(self.clock())
            self._active[key] += 1

    def leave(self, key: str) -> None:
        with self._condition:
            self._active[key] -= 1
            self._condition.notify_all()

    def active(self, key: str) -> int:
        with self._condition:
            return self._active[key]

    def reset(self) -> None:
        with self._condition:
            self._hits.clear()
            self._active.clear()
            self._queued.clear()


limits = UserLimits()
