"""Fortnox's rate limit: a sliding window (25 requests per 5 s by default) per app + tenant.

The window lives in process memory behind a lock: with several server processes each one counts
on its own, so the effective limit is per process. Good enough for a sandbox; refused requests
do not count, so a client that backs off gets back in as the window slides.

A request counts from when it reached the server (`stamp_arrival`, first in the chain), as at an
API gateway, not from when this check runs: on a busy machine our own middleware and token
look-up came between the two for up to 0.27 s, and counting then would refuse requests Fortnox
would have let in. Requests are thus checked a little out of order; one that arrived before
requests already let in also counts in their windows.
"""

import bisect
import threading
import time
from collections import defaultdict


class SlidingWindowLimiter:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[tuple, list[float]] = defaultdict(list)  # arrival times, in order
        self._peaks: dict[tuple, int] = defaultdict(int)  # most requests let in within one window

    def allow(self, key: tuple, limit: int, window_seconds: float, arrived: float | None = None) -> bool:
        """Record a request for `key` that arrived at `arrived` (this clock's reading, else now)
        and say whether it fits: whether `limit` others arrived in the window before it, or it
        would be one too many in the window of one that arrived after it."""
        now = self.clock()
        arrived = now if arrived is None else min(arrived, now)
        with self._lock:
            hits = self._hits[key]
            del hits[:bisect.bisect_right(hits, now - 2 * window_seconds)]  # out of every window
            at = bisect.bisect_right(hits, arrived)
            if at - bisect.bisect_right(hits, arrived - window_seconds) >= limit:
                return False
            for later in range(at, len(hits)):
                if hits[later] - window_seconds >= arrived:
                    break
                if later + 1 - bisect.bisect_right(hits, hits[later] - window_seconds) >= limit:
                    return False
            hits.insert(at, arrived)
            self._peaks[key] = max(self._peaks[key], self._fullest_window(hits, at, window_seconds))
            return True

    @staticmethod
    def _fullest_window(hits: list[float], at: int, window_seconds: float) -> int:
        """The most requests in one window among the windows the one at `at` falls in."""
        fullest = 0
        for end in range(at, len(hits)):
            if hits[end] - window_seconds >= hits[at]:
                break
            fullest = max(fullest, end + 1 - bisect.bisect_right(hits, hits[end] - window_seconds))
        return fullest

    def peaks(self) -> dict[tuple, int]:
        """Per key, the most requests it had let in within one window (what Fortnox saw at worst)."""
        with self._lock:
            return dict(self._peaks)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
            self._peaks.clear()


limiter = SlidingWindowLimiter()


def stamp_arrival(get_response):
    """Middleware, first in the chain while the sandbox is installed: when a request reached the
    server, on the limiter's clock."""

    def middleware(request):
        request.arrived_at = limiter.clock()
        return get_response(request)

    return middleware
