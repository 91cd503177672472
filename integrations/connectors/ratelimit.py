"""Client-side rate limiting: stay under a remote API's limit instead of bouncing off it.

A sliding window per key (one key per connection): `acquire` blocks until one more request fits
in the window and returns the seconds it waited. A remote API counts the requests of a
connection, not of one of our processes, so the window must be shared by every worker on every
machine that talks to that connection. Three backends give the same interface:

- `SlidingWindowLimiter`: process memory. Right for tests and a single process only.
- `RedisSlidingWindow`: a sorted set per key, pruned and appended by one Lua script, so each
  acquisition is atomic and every worker reads the same clock (Redis `TIME`). Keys are
  namespaced and expire one second after their window.
- `DatabaseSlidingWindow`: rows in `RateLimitSlot`, serialized per key by a lock on the key's
  `RateLimitWindow` row. For the embedded setup without Redis; a few milliseconds per request.

`shared_limiter()` picks Redis when `settings.REDIS_URL` is set and the database otherwise;
connections pass it to their clients as `limiter=`. A slot cannot be handed back: a request that
was made counts against the remote limit whether or not it succeeded.

The shared backends keep each slot `SHARED_MARGIN` longer than the window: the API counts
requests by when they reach it, and requests granted exactly one window apart can arrive less
than a window apart (scheduling, network), which a strict API answers with 429.
"""

import logging
import math
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass

logger = logging.getLogger(__name__)

REDIS_NAMESPACE = "junipeer:ratelimit"
SHARED_MARGIN = 0.05  # seconds


@dataclass(frozen=True)
class Limit:
    requests: int
    per_seconds: float

    def __post_init__(self):
        if self.requests < 1 or self.per_seconds <= 0:
            raise ValueError("a limit needs at least one request in a positive window")

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """`"25/5"` -> 25 requests per 5 seconds."""
        requests, _, seconds = text.partition("/")
        try:
            return cls(int(requests), float(seconds))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a limit like 25/5 (requests/seconds)") from exc


class WindowLimiter(ABC):
    """Blocking and non-blocking acquisition over a backend's one atomic step, `take`."""

    def __init__(self, sleep=time.sleep, margin: float = 0.0):
        self._sleep = sleep
        self._margin = margin

    def span(self, limit: Limit) -> float:
        """How long a slot stays in the window: the limit's window plus this limiter's margin."""
        return limit.per_seconds + self._margin

    @abstractmethod
    def take(self, key: str, limit: Limit) -> float:
        """Take a slot if one is free and return 0.0; otherwise take nothing and return the
        seconds until the oldest slot leaves the window (always > 0)."""

    @abstractmethod
    def reset(self, key: str | None = None) -> None:
        """Forget the window of `key`, or every window."""

    def acquire(self, key: str, limit: Limit) -> float:
        """Take one slot for `key`, waiting if needed. Returns the seconds waited."""
        waited = 0.0
        while (wait := self.take(key, limit)) > 0:
            self._sleep(wait)
            waited += wait
        return waited

    def try_acquire(self, key: str, limit: Limit) -> bool:
        """Take one slot for `key` if that needs no waiting."""
        return self.take(key, limit) == 0


class SlidingWindowLimiter(WindowLimiter):
    """Windows in process memory, shared by the threads of one process."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep, margin: float = 0.0):
        super().__init__(sleep, margin)
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}

    def take(self, key: str, limit: Limit) -> float:
        with self._lock:
            now = self._clock()
            window = self._windows.setdefault(key, deque())
            while window and window[0] <= now - self.span(limit):
                window.popleft()
            if len(window) < limit.requests:
                window.append(now)
                return 0.0
            return window[0] + self.span(limit) - now

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._windows.clear()
            else:
                self._windows.pop(key, None)


# Times are integer microseconds: exact in Lua's doubles and in sorted-set scores.
# ARGV: requests, window (us), now (us, or "" for the server's clock), a unique member.
TAKE_SCRIPT = """
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return oldest + window - now
"""


class RedisSlidingWindow(WindowLimiter):
    """One sorted set of acquisition times per key, shared by every worker that reaches Redis.

    When Redis cannot be reached the limiter falls back to a per-process window and logs it: the
    remote API's own 429 answers (retried with backoff) then keep us honest, which is better than
    failing every sync while the limiter's store is down.
    """

    def __init__(self, url: str, *, namespace: str = REDIS_NAMESPACE, clock=None, sleep=time.sleep,
                 margin: float = SHARED_MARGIN):
        import redis

        super().__init__(sleep, margin)
        self._errors = redis.RedisError
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._script = self._redis.register_script(TAKE_SCRIPT)
        self._namespace = namespace
        self._clock = clock  # None: Redis' clock, the one every machine shares
        self._fallback = SlidingWindowLimiter(clock=clock or time.monotonic, sleep=sleep, margin=margin)

    def _key(self, key: str) -> str:
        return f"{self._namespace}:{key}"

    def take(self, key: str, limit: Limit) -> float:
        now = "" if self._clock is None else str(round(self._clock() * 1_000_000))
        window = math.ceil(self.span(limit) * 1_000_000)
        try:
            wait = self._script(keys=[self._key(key)], args=[limit.requests, window, now, uuid.uuid4().hex])
        except self._errors as exc:
            logger.warning("rate limiter: Redis unavailable (%s); limiting %s in this process only", exc, key)
            return self._fallback.take(key, limit)
        return int(wait) / 1_000_000

    def reset(self, key: str | None = None) -> None:
        self._fallback.reset(key)
        if key is not None:
            self._redis.delete(self._key(key))
            return
        stale = list(self._redis.scan_iter(match=f"{self._namespace}:*", count=500))
        for start in range(0, len(stale), 500):
            self._redis.delete(*stale[start:start + 500])


class DatabaseSlidingWindow(WindowLimiter):
    """Acquisition times as rows, one short transaction per attempt.

    The transaction first locks the key's window row (PostgreSQL: `SELECT ... FOR UPDATE`;
    SQLite: the database write lock that `BEGIN IMMEDIATE` takes), so workers of one key take
    turns and never both see the last free slot. The clock is read after the lock is held, so
    slot times follow the order in which slots were granted. Wall-clock time is used because
    workers on several machines share the window; keep their clocks in sync (NTP).
    """

    def __init__(self, *, using: str = "default", clock=time.time, sleep=time.sleep,
                 margin: float = SHARED_MARGIN):
        super().__init__(sleep, margin)
        self._using = using
        self._clock = clock

    def take(self, key: str, limit: Limit) -> float:
        # Imported here: connectors are plain HTTP code, importable before Django's apps load.
        from django.db import transaction

        from integrations.models import RateLimitSlot

        with transaction.atomic(using=self._using):
            window = self._lock_window(key)
            now = self._clock()
            slots = RateLimitSlot.objects.using(self._using).filter(window_id=window)
            slots.filter(taken_at__lte=now - self.span(limit)).delete()
            if slots.count() < limit.requests:
                RateLimitSlot.objects.using(self._using).create(window_id=window, taken_at=now)
                return 0.0
            oldest = slots.order_by("taken_at").values_list("taken_at", flat=True).first()
            return oldest + self.span(limit) - now

    def _lock_window(self, key: str) -> int:
        from integrations.models import RateLimitWindow

        windows = RateLimitWindow.objects.using(self._using)
        locked = windows.select_for_update().filter(key=key).values_list("pk", flat=True)
        pk = locked.first()
        if pk is None:
            windows.bulk_create([RateLimitWindow(key=key)], ignore_conflicts=True)
            pk = locked.first()
        return pk

    def reset(self, key: str | None = None) -> None:
        from integrations.models import RateLimitWindow

        windows = RateLimitWindow.objects.using(self._using)
        (windows if key is None else windows.filter(key=key)).delete()


local_limiter = SlidingWindowLimiter()

_shared: dict[str, WindowLimiter] = {}
_shared_lock = threading.Lock()


def limit_from_settings(settings, default: Limit) -> Limit:
    """A connection may carry its own limit (`settings["rate_limit"]`), e.g. a raised quota."""
    custom = (settings or {}).get("rate_limit")
    return Limit(int(custom["requests"]), float(custom["per_seconds"])) if custom else default


def shared_limiter() -> WindowLimiter:
    """The limiter every worker of a connection shares: Redis if `REDIS_URL` is set, else the database.

    One instance per configuration and process (it holds a Redis connection pool).
    """
    from django.conf import settings

    url = settings.REDIS_URL or ""
    with _shared_lock:
        if url not in _shared:
            _shared[url] = RedisSlidingWindow(url) if url else DatabaseSlidingWindow()
        return _shared[url]
