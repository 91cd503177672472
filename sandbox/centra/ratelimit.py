"""Centra's six rate-limit buckets (centra.md §2.6), kept in memory, and the 429's Retry-After.

State is per process (a dict behind a lock): a multi-process server gives each worker its own
buckets, which is fine for a simulator. Windows are fixed and aligned to the epoch; a request
that would overdraw any bucket is refused without consuming anything.
"""

import email.utils
import math
import threading
import time

from .models import Store
from .reference import MUTATION_COUNT, QUERY_COMPLEXITY, REQUEST_COUNT, WINDOW_SECONDS

# The simulator's time. Tests swap in a fake clock to step over a window without sleeping.
clock = time.time

_lock = threading.Lock()
_used: dict[tuple[str, str, str], tuple[int, int]] = {}  # (slug, bucket, window) -> (window start, used)


def _current(slug: str, bucket: str, window: str, now: float) -> tuple[int, int]:
    length = WINDOW_SECONDS[window]
    start = int(now // length) * length
    seen_start, used = _used.get((slug, bucket, window), (start, 0))
    return start, used if seen_start == start else 0


def consume(store: Store, *, complexity: int, mutations: int, now: float | None = None) -> float | None:
    """Take tokens for one request; returns the Unix time the blocking window resets, or None if allowed."""
    now = clock() if now is None else now
    costs = {REQUEST_COUNT: 1, MUTATION_COUNT: mutations, QUERY_COMPLEXITY: complexity}
    quotas = store.quotas()
    with _lock:
        waits = []
        for bucket, cost in costs.items():
            for window, quota in quotas[bucket].items():
                start, used = _current(store.slug, bucket, window, now)
                if cost and used + cost > quota:
                    waits.append(start + WINDOW_SECONDS[window])
        if waits:
            return max(waits)
        for bucket, cost in costs.items():
            for window in quotas[bucket]:
                start, used = _current(store.slug, bucket, window, now)
                _used[(store.slug, bucket, window)] = (start, used + cost)
    return None


def retry_after(store: Store, resume_at: float, now: float) -> str:
    """The Retry-After value in the store's `retry_after_format`; every form reaches `resume_at`.

    Centra says the header "points at a timestamp at which it is possible to try again", so the
    default is absolute Unix seconds. Delta-seconds and HTTP-dates (RFC 9110) round up, never early.
    """
    if store.retry_after_format == Store.RetryAfter.DELTA:
        return str(max(1, math.ceil(resume_at - now)))
    if store.retry_after_format == Store.RetryAfter.HTTP_DATE:
        return email.utils.formatdate(math.ceil(resume_at), usegmt=True)
    return str(math.ceil(resume_at))


def snapshot(store: Store, now: float | None = None) -> list[dict]:
    """The six `rateLimits` entries; quota = usedQuota + remainingQuota."""
    now = clock() if now is None else now
    entries = []
    with _lock:
        for bucket, windows in store.quotas().items():
            for window, quota in windows.items():
                used = min(_current(store.slug, bucket, window, now)[1], quota)
                entries.append({
                    "type": bucket, "interval": window, "intervalSeconds": WINDOW_SECONDS[window],
                    "quota": quota, "usedQuota": used, "remainingQuota": quota - used,
                })
    return entries


def reset(slug: str | None = None) -> None:
    """Forget usage (all stores, or one); tests call this between cases."""
    with _lock:
        for key in [key for key in _used if slug is None or key[0] == slug]:
            del _used[key]
