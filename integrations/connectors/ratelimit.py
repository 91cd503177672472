"""Client-side rate limiting: stay under a remote API's limit instead of bouncing off it.

A sliding window per key (one key per connection): `acquire` blocks until one more request fits
in the window and returns the seconds it waited. A remote API counts the requests of a
connection, not of one of our processes, so the window must be shared by every worker on every
machine that talks to that connection. Three backends give the same interface:

- `SlidingWindowLimiter`: process memory. Right for tests and a single process only.
- `RedisSlidingWindow`: a sorted set per key, pruned and appended by one Lua script, so each
  acquisition is atomic and every worker reads the same clock (Redis `TIME`). Keys are
  namespaced and expire one second after their window.
- `DatabaseSlidingWindow`: one `RateLimitWindow` row per key holding its slot times, taken by
  one compare-and-swap UPDATE per request. For the embedded setup without Redis.

`shared_limiter()` picks Redis when `settings.REDIS_URL` is set and the database otherwise
(`shared.SharedBackend`); connections pass it to their clients as `limiter=`. A slot cannot be
handed back: a request that was made counts against the remote limit whether or not it succeeded.

The shared backends keep each slot `SHARED_MARGIN` longer than the window: the API counts
requests by when they reach it, and requests granted exactly one window apart can arrive less
than a window apart (scheduling, network), which a strict API answers with 429.
"""

import bisect
import logging
import math
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass

from .shared import SharedBackend

logger = logging.getLogger(__name__)

REDIS_NAMESPACE = "junipeer:ratelimit"
SHARED_MARGIN = 0.05  # seconds
RESTAMP_AFTER_US = 10_000  # a database slot whose UPDATE took longer is moved to when it came back


@dataclass(frozen=True)
class Limit:
    """`requests` units per `per_seconds`. A unit is one request, or one point of a weighted
    budget (Centra's query complexity) where each acquisition says its cost. `margin`, if set,
    replaces the limiter's own (see `WindowLimiter.span`). `late`: how much later than its slot,
    in any order, a request may reach the API and still fit one more than `requests` (see below)."""

    requests: int
    per_seconds: float
    margin: float | None = None
    late: float = 0.0

    def __post_init__(self):
        if self.requests < 1 or self.per_seconds <= 0:
            raise ValueError("a limit needs at least one request in a positive window")

    # Why `late`: the API counts requests when they arrive, and requests leave a busy process a
    # varying while after their slot. Slots granted in a burst (threads waking together as the
    # oldest slots leave) then arrive in another order, closer than a window apart, and a strict
    # API refuses the one too many. With `late`, a slot is also refused while `requests + 1` slots
    # are in the last `per_seconds + late`: the API's spare request then covers any request up to
    # `late` behind. At the limit's own rate (`late` <= per_seconds / requests) nothing is lost,
    # and unlike spacing every slot apart, a slot taken late is caught up by the next.

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
        """How long a slot stays in the window: the limit's window plus the limit's margin, or
        this limiter's where the limit sets none."""
        return limit.per_seconds + (self._margin if limit.margin is None else limit.margin)

    @abstractmethod
    def take(self, key: str, limit: Limit, cost: int = 1) -> float:
        """Take `cost` units if they fit and return 0.0; otherwise take nothing and return the
        seconds until enough old slots leave the window (always > 0). A cost above the whole
        limit fits an empty window only."""

    @abstractmethod
    def reset(self, key: str | None = None) -> None:
        """Forget the window of `key`, or every window."""

    def acquire(self, key: str, limit: Limit, cost: int = 1) -> float:
        """Take `cost` units (one slot) for `key`, waiting if needed. Returns the seconds waited."""
        waited = 0.0
        while (wait := self.take(key, limit, cost)) > 0:
            self._sleep(wait)
            waited += wait
        return waited

    def try_acquire(self, key: str, limit: Limit, cost: int = 1) -> bool:
        """Take `cost` units for `key` if that needs no waiting."""
        return self.take(key, limit, cost) == 0


def microseconds(seconds: float) -> int:
    """A clock reading in whole microseconds, rounded down: a limiter compares it with slots
    stamped one microsecond after their own reading, so rounding (or a float clock's coarse
    resolution) can only make it wait a microsecond longer, never let a request in early."""
    return math.floor(seconds * 1_000_000)


def wait_for(slots, cost: int, capacity: int, span, now, late=0):
    """0 if `cost` more fits among `slots` ((time, cost) pairs, oldest first), else how long until
    enough of the oldest have left: `capacity` in the last `span` and, with `late`, `capacity + 1`
    in the last `span + late` (`slots` then reaches back that far; see `Limit.late`)."""
    if not late:
        return _wait_for(slots, cost, capacity, span, now)
    recent = [slot for slot in slots if slot[0] > now - span]
    return max(_wait_for(recent, cost, capacity, span, now), _wait_for(slots, cost, capacity + 1, span + late, now))


def _wait_for(slots, cost: int, capacity: int, span, now):
    used = sum(weight for _, weight in slots)
    if used == 0 or used + cost <= capacity:
        return 0
    for moment, weight in slots:
        used -= weight
        if used == 0 or used + cost <= capacity:
            return moment + span - now
    return span  # unreachable: an empty window always fits


class SlidingWindowLimiter(WindowLimiter):
    """Windows in process memory, shared by the threads of one process."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep, margin: float = 0.0):
        super().__init__(sleep, margin)
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, deque[tuple[float, int]]] = {}

    def take(self, key: str, limit: Limit, cost: int = 1) -> float:
        with self._lock:
            now = self._clock()
            window = self._windows.setdefault(key, deque())
            while window and window[0][0] <= now - self.span(limit) - limit.late:
                window.popleft()
            wait = wait_for(window, cost, limit.requests, self.span(limit), now, limit.late)
            if wait == 0:
                window.append((now, cost))
                return 0.0
            return wait

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._windows.clear()
            else:
                self._windows.pop(key, None)


# Times are integer microseconds: exact in Lua's doubles and in sorted-set scores. A member is
# "<unique>:<cost>" (a member without a cost counts 1). The clock is read rounded down and a slot
# is stamped one microsecond on (`microseconds`), so no slot leaves a window before its request.
# ARGV: capacity, window (us), now (us, or "" for the server's clock), a unique id, cost, late (us):
# with late, capacity + 1 also holds over window + late (`Limit.late`).
TAKE_SCRIPT = """
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local window = tonumber(ARGV[2])
local capacity = tonumber(ARGV[1])
local cost = tonumber(ARGV[5]) or 1
local late = tonumber(ARGV[6]) or 0
local function wait(slots, cap, span)
  local used, inside = 0, {}
  for i = 1, #slots, 2 do
    local moment = tonumber(slots[i + 1])
    if moment > now - span then
      local weight = tonumber(string.match(slots[i], ':(%d+)$')) or 1
      used = used + weight
      inside[#inside + 1] = {moment, weight}
    end
  end
  if used == 0 or used + cost <= cap then
    return 0
  end
  for _, slot in ipairs(inside) do
    used = used - slot[2]
    if used == 0 or used + cost <= cap then
      return slot[1] + span - now
    end
  end
  return span
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window - late)
local slots = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local waiting = wait(slots, capacity, window)
if late > 0 then
  waiting = math.max(waiting, wait(slots, capacity + 1, window + late))
end
if waiting > 0 then
  return waiting
end
redis.call('ZADD', KEYS[1], now + 1, ARGV[4] .. ':' .. cost)
redis.call('PEXPIRE', KEYS[1], math.ceil((window + late) / 1000) + 1000)
return 0
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

    def take(self, key: str, limit: Limit, cost: int = 1) -> float:
        now = "" if self._clock is None else str(microseconds(self._clock()))
        window = math.ceil(self.span(limit) * 1_000_000)
        try:
            wait = self._script(keys=[self._key(key)], args=[limit.requests, window, now, uuid.uuid4().hex, cost,
                                                              math.ceil(limit.late * 1_000_000)])
        except self._errors as exc:
            logger.warning("rate limiter: Redis unavailable (%s); limiting %s in this process only", exc, key)
            return self._fallback.take(key, limit, cost)
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
    """A key's window as one row (`RateLimitWindow`): its slot times, packed, and a version.

    A slot is taken by ONE statement, an UPDATE of that row conditioned on the version this
    process last saw (compare-and-swap), on SQLite and PostgreSQL alike: of two workers that saw
    the same window, one update matches and the other finds nothing to update, reads the row again
    and decides anew. The process keeps the window it last wrote or read, so while it is the only
    one taking slots of a key (one run per flow) it reads nothing, and a full window is waited out
    without asking the database: other workers can only add slots, never free one. Threads of one
    process take turns per key. A slot's time is read before its UPDATE; an UPDATE that waited for
    the database's lock moves its slot to when it came back (one more statement, then only).
    Wall-clock time is used because workers on several machines share the window; keep their
    clocks in sync (NTP).
    """

    def __init__(self, *, using: str = "default", clock=time.time, sleep=time.sleep,
                 margin: float = SHARED_MARGIN):
        super().__init__(sleep, margin)
        self._using = using
        self._clock = clock
        self._known: dict[str, tuple[int, list[tuple[int, int]]]] = {}  # key -> (version, [(time in us, cost)])
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _lock(self, key: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(key, threading.Lock())

    def take(self, key: str, limit: Limit, cost: int = 1) -> float:
        span = math.ceil(self.span(limit) * 1_000_000)
        with self._lock(key):
            known = self._known.get(key)
            while True:
                if known is None:
                    known = self._read(key)
                version, slots = known
                now = microseconds(self._clock())
                late = math.ceil(limit.late * 1_000_000)
                live = [slot for slot in slots if slot[0] > now - span - late]
                wait = wait_for(live, cost, limit.requests, span, now, late)
                if wait:
                    self._known[key] = (version, live)
                    return wait / 1_000_000
                slot = (now + 1, cost)
                bisect.insort(live, slot)
                if self._swap(key, version, live):
                    granted = microseconds(self._clock()) + 1
                    if granted - now > RESTAMP_AFTER_US:
                        self._known[key] = self._restamp(key, version + 1, live, slot, granted)
                    else:
                        self._known[key] = (version + 1, live)
                    return 0.0
                known = None  # another worker took a slot since: read the window again

    def _restamp(self, key: str, version: int, slots: list, slot: tuple[int, int], granted: int):
        """Move a slot to the moment its UPDATE came back (it waited for the database's lock): the
        request goes out after that, and its slot must not leave the window before it does."""
        while True:
            if slot not in slots:
                return version, slots  # the window was reset meanwhile
            moved = sorted([*(other for other in slots if other != slot), (granted, slot[1])])
            if self._swap(key, version, moved):
                return version + 1, moved
            version, slots = self._read(key)

    def _swap(self, key: str, version: int, slots: list[tuple[int, int]]) -> bool:
        from integrations.models import RateLimitWindow

        packed = ",".join(str(moment) if cost == 1 else f"{moment}:{cost}" for moment, cost in slots)
        return RateLimitWindow.objects.using(self._using).filter(key=key, version=version).update(
            slots=packed, version=version + 1) == 1

    def _read(self, key: str) -> tuple[int, list[tuple[int, int]]]:
        from integrations.models import RateLimitWindow

        windows = RateLimitWindow.objects.using(self._using)
        row = windows.filter(key=key).values_list("version", "slots").first()
        if row is None:
            windows.bulk_create([RateLimitWindow(key=key)], ignore_conflicts=True)
            row = windows.filter(key=key).values_list("version", "slots").get()
        version, packed = row
        slots = []
        for entry in filter(None, packed.split(",")):
            moment, _, cost = entry.partition(":")
            slots.append((int(moment), int(cost or 1)))
        return version, slots

    def reset(self, key: str | None = None) -> None:
        from integrations.models import RateLimitWindow

        windows = RateLimitWindow.objects.using(self._using)
        (windows if key is None else windows.filter(key=key)).delete()
        if key is None:
            self._known.clear()
        else:
            self._known.pop(key, None)


local_limiter = SlidingWindowLimiter()


def limit_from_settings(settings, default: Limit) -> Limit:
    """A connection may carry its own limit (`settings["rate_limit"]`), e.g. a raised quota."""
    custom = (settings or {}).get("rate_limit")
    if not custom:
        return default
    return Limit(int(custom["requests"]), float(custom["per_seconds"]), late=default.late)


# The ratelimit backend every worker of a connection shares (Redis or the database).
shared_limiter = SharedBackend("ratelimit", RedisSlidingWindow, DatabaseSlidingWindow)
