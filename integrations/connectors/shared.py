"""The one coordination store every worker on every machine shares: Redis when `settings.REDIS_URL`
is set, else the database. The rate limiter (`ratelimit.shared_limiter`) and the concurrency cap
(`concurrency.shared_semaphore`) each get one backend per process from here, under the
installation's `REDIS_PREFIX`.
"""

import threading
from collections.abc import Callable


class SharedBackend:
    """Calling it gives this process's backend for the current settings (made once: it may hold a
    Redis connection pool), its Redis keys under `<REDIS_PREFIX>:<part>`."""

    def __init__(self, part: str, on_redis: Callable[..., object], on_database: Callable[[], object]):
        self._part = part
        self._on_redis = on_redis
        self._on_database = on_database
        self._made: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def __call__(self):
        from django.conf import settings

        url, prefix = settings.REDIS_URL or "", settings.REDIS_PREFIX
        with self._lock:
            if (url, prefix) not in self._made:
                self._made[url, prefix] = (self._on_redis(url, namespace=f"{prefix}:{self._part}") if url
                                           else self._on_database())
            return self._made[url, prefix]
