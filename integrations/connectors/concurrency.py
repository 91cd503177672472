"""Client-side concurrency caps: at most N requests of one connection in flight at once.

Some APIs limit requests being processed at once, not requests per window: Business Central
processes at most 5 per user and queues the rest (business-central.md §2). A rate limit
(`ratelimit.py`) cannot keep that, since how many requests overlap depends on how slowly they are
answered. This is a counting semaphore per key (one key per connection) shared by every worker on
every machine: `hold(key, cap)` waits for one of `cap.at_once` slots and gives it back when the
request is done, in a `finally`.

A slot is a lease: it ends by itself `cap.lease_seconds` after it was taken, so a worker killed
mid-request frees its slot then instead of never. Choose the bound above the longest request (its
HTTP timeouts plus a margin). Waiting is bounded too: a caller that gets no slot within
`cap.max_wait` fails as `rate_limited`, which the engine retries later like a 429.

Three backends give the same interface, as the rate limiter's do:

- `LocalSemaphore`: process memory. Right for tests and a single process only.
- `RedisSemaphore`: a sorted set of lease ids per key scored by expiry; one Lua script drops the
  expired and adds a lease if there is room (atomic, on Redis' clock), `ZREM` gives it back.
- `DatabaseSemaphore`: one `ConcurrencyLease` row per held slot, unique per (key, slot). A free
  slot is taken by one INSERT (the unique constraint refuses a second taker) and an expired one by
  one UPDATE conditioned on the old lease id, so no lock is held between statements.

`shared_semaphore()` picks Redis when `settings.REDIS_URL` is set and the database otherwise, as
`ratelimit.shared_limiter()` does (`shared.SharedBackend`).
"""

import logging
import math
import random
import threading
import time
import uuid
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from requests.adapters import BaseAdapter

from ..domain.errors import SyncError
from .shared import SharedBackend

logger = logging.getLogger(__name__)

REDIS_NAMESPACE = "junipeer:concurrency"
FIRST_PAUSE = 0.01  # seconds between looks for a free slot, doubling up to LAST_PAUSE
LAST_PAUSE = 0.25
LOCAL_PREFIX = "local:"  # a lease the Redis backend took in process memory while Redis was down


@dataclass(frozen=True)
class Cap:
    """`at_once` requests in flight per key; a lease not given back frees its slot after
    `lease_seconds`; a caller waits at most `max_wait` seconds for a slot."""

    at_once: int
    lease_seconds: float
    max_wait: float

    def __post_init__(self):
        if self.at_once < 1 or self.lease_seconds <= 0 or self.max_wait < 0:
            raise ValueError("a cap needs at least one slot, a positive lease and a wait of 0 or more")


class LeaseSemaphore(ABC):
    """Waiting, bounded, over a backend's one atomic step, `take`."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        self._clock = clock
        self._sleep = sleep

    @abstractmethod
    def take(self, key: str, cap: Cap) -> tuple[str | None, float]:
        """(a new lease id, 0.0) if a slot is free (or expired); otherwise (None, seconds until the
        first lease held expires, always > 0)."""

    @abstractmethod
    def give_back(self, key: str, lease: str) -> None:
        """End `lease`. A lease that expired and whose slot someone else took frees nothing."""

    @abstractmethod
    def held(self, key: str) -> int:
        """How many leases of `key` are live now."""

    @abstractmethod
    def reset(self, key: str | None = None) -> None:
        """Forget the leases of `key`, or every lease."""

    def acquire(self, key: str, cap: Cap) -> str:
        """A lease on one of `key`'s slots, waiting for one at most `cap.max_wait` seconds."""
        deadline = self._clock() + cap.max_wait
        pause = FIRST_PAUSE
        while True:
            lease, expires_in = self.take(key, cap)
            if lease is not None:
                return lease
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise SyncError("rate_limited", f"{cap.at_once} requests of this connection were in flight for "
                                                f"{cap.max_wait:.0f} s, the most it may have at once: tried later.")
            # Jittered, so waiters that looked together look again apart; never past the deadline.
            self._sleep(max(0.0, min(random.uniform(pause / 2, pause), expires_in, remaining)))
            pause = min(pause * 2, LAST_PAUSE)

    @contextmanager
    def hold(self, key: str, cap: Cap):
        """One slot of `key` for the duration of the block."""
        lease = self.acquire(key, cap)
        try:
            yield lease
        finally:
            self.give_back(key, lease)


class LocalSemaphore(LeaseSemaphore):
    """Leases in process memory, shared by the threads of one process."""

    def __init__(self, clock=time.monotonic, sleep=time.sleep):
        super().__init__(clock, sleep)
        self._lock = threading.Lock()
        self._leases: dict[str, dict[str, float]] = {}  # key -> lease id -> expiry

    def _live(self, key: str, now: float) -> dict[str, float]:
        leases = self._leases.setdefault(key, {})
        for lease, expiry in list(leases.items()):
            if expiry <= now:
                del leases[lease]
        return leases

    def take(self, key: str, cap: Cap) -> tuple[str | None, float]:
        with self._lock:
            now = self._clock()
            leases = self._live(key, now)
            if len(leases) < cap.at_once:
                lease = uuid.uuid4().hex
                leases[lease] = now + cap.lease_seconds
                return lease, 0.0
            return None, min(leases.values()) - now

    def give_back(self, key: str, lease: str) -> None:
        with self._lock:
            self._leases.get(key, {}).pop(lease, None)

    def held(self, key: str) -> int:
        with self._lock:
            return len(self._live(key, self._clock()))

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._leases.clear()
            else:
                self._leases.pop(key, None)


# Times are integer microseconds. ARGV: slots, lease (us), now (us, or "" for the server's clock), lease id.
# Returns 0 when the lease was added, else the microseconds until the first lease held expires.
TAKE_SCRIPT = """
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[4])
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(last[2]) - now) / 1000) + 1000)
  return 0
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(first[2]) - now)
"""

# ARGV: now (us, or "" for the server's clock).
HELD_SCRIPT = """
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"""


class RedisSemaphore(LeaseSemaphore):
    """One sorted set of lease ids per key, scored by when each lease expires.

    When Redis cannot be reached the semaphore falls back to one in process memory and logs it:
    the API's own answers to an excess (BC queues it; past its queue, 429 retried with backoff) then
    keep us honest, which is better than failing every sync while the semaphore's store is down.
    """

    def __init__(self, url: str, *, namespace: str = REDIS_NAMESPACE, clock=None, sleep=time.sleep):
        import redis

        super().__init__(clock or time.monotonic, sleep)
        self._errors = redis.RedisError
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._take = self._redis.register_script(TAKE_SCRIPT)
        self._held = self._redis.register_script(HELD_SCRIPT)
        self._namespace = namespace
        self._lease_clock = clock  # None: Redis' clock, the one every machine shares
        self._fallback = LocalSemaphore(clock=clock or time.monotonic, sleep=sleep)

    def _key(self, key: str) -> str:
        return f"{self._namespace}:{key}"

    def _now(self) -> str:
        return "" if self._lease_clock is None else str(round(self._lease_clock() * 1_000_000))

    def take(self, key: str, cap: Cap) -> tuple[str | None, float]:
        lease = uuid.uuid4().hex
        try:
            wait = self._take(keys=[self._key(key)],
                              args=[cap.at_once, math.ceil(cap.lease_seconds * 1_000_000), self._now(), lease])
        except self._errors as exc:
            logger.warning("concurrency cap: Redis unavailable (%s); capping %s in this process only", exc, key)
            local, wait_seconds = self._fallback.take(key, cap)
            return (LOCAL_PREFIX + local if local else None), wait_seconds
        return (lease, 0.0) if int(wait) == 0 else (None, int(wait) / 1_000_000)

    def give_back(self, key: str, lease: str) -> None:
        if lease.startswith(LOCAL_PREFIX):
            self._fallback.give_back(key, lease.removeprefix(LOCAL_PREFIX))
            return
        try:
            self._redis.zrem(self._key(key), lease)
        except self._errors as exc:
            logger.warning("concurrency cap: Redis unavailable (%s); the lease on %s ends when it expires", exc, key)

    def held(self, key: str) -> int:
        return int(self._held(keys=[self._key(key)], args=[self._now()]))

    def reset(self, key: str | None = None) -> None:
        self._fallback.reset(key)
        if key is not None:
            self._redis.delete(self._key(key))
            return
        stale = list(self._redis.scan_iter(match=f"{self._namespace}:*", count=500))
        for start in range(0, len(stale), 500):
            self._redis.delete(*stale[start:start + 500])


class DatabaseSemaphore(LeaseSemaphore):
    """A key's held slots as `ConcurrencyLease` rows, for the embedded setup without Redis.

    Taking a slot reads the key's rows (at most `at_once` of them), then writes once: an INSERT of
    the lowest free slot number, which the unique (key, slot) constraint refuses to a second
    worker, or an UPDATE of an expired lease conditioned on its old id. A worker that loses the race
    reads again. Giving back is one DELETE by lease id. Wall-clock time is used because workers on
    several machines share the leases; keep their clocks in sync (NTP).
    """

    def __init__(self, *, using: str = "default", clock=time.time, sleep=time.sleep):
        super().__init__(clock, sleep)
        self._using = using

    def _leases(self):
        from integrations.models import ConcurrencyLease

        return ConcurrencyLease.objects.using(self._using)

    def _moment(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, UTC)

    def take(self, key: str, cap: Cap) -> tuple[str | None, float]:
        from django.db import IntegrityError, transaction

        while True:
            now = self._clock()
            expiry = self._moment(now + cap.lease_seconds)
            rows = {slot: (lease, expires) for slot, lease, expires in
                    self._leases().filter(key=key).values_list("slot", "lease", "expires_at")}
            stale = [slot for slot, (_, expires) in rows.items() if slot >= cap.at_once and expires.timestamp() <= now]
            if stale:  # slots of a larger cap, left by killed workers
                self._leases().filter(key=key, slot__in=stale, expires_at__lte=self._moment(now)).delete()
            lease = uuid.uuid4().hex
            free = next((slot for slot in range(cap.at_once) if slot not in rows), None)
            if free is not None:
                try:
                    with transaction.atomic(using=self._using):  # a savepoint inside a caller's transaction
                        self._leases().create(key=key, slot=free, lease=lease, expires_at=expiry)
                    return lease, 0.0
                except IntegrityError:
                    continue  # another worker took that slot first: read again
            expired = next((slot for slot in range(cap.at_once) if rows[slot][1].timestamp() <= now), None)
            if expired is not None:
                if self._leases().filter(key=key, slot=expired, lease=rows[expired][0]).update(
                        lease=lease, expires_at=expiry):
                    return lease, 0.0
                continue
            return None, max(0.001, min(rows[slot][1].timestamp() for slot in range(cap.at_once)) - now)

    def give_back(self, key: str, lease: str) -> None:
        self._leases().filter(key=key, lease=lease).delete()

    def held(self, key: str) -> int:
        return self._leases().filter(key=key, expires_at__gt=self._moment(self._clock())).count()

    def reset(self, key: str | None = None) -> None:
        leases = self._leases()
        (leases if key is None else leases.filter(key=key)).delete()


class CappedAdapter(BaseAdapter):
    """A transport adapter that sends through `inner` while holding one slot of `key`: from sending
    a request until its answer is read in full, and not while a client sleeps before a retry.
    Mounted by a client for its API's address; each redirect hop takes a slot of its own."""

    def __init__(self, inner: BaseAdapter, semaphore: LeaseSemaphore, key: str, cap: Cap):
        super().__init__()
        self.inner, self.semaphore, self.key, self.cap = inner, semaphore, key, cap

    def send(self, request, **kwargs):
        with self.semaphore.hold(self.key, self.cap):
            response = self.inner.send(request, **kwargs)
            if not kwargs.get("stream"):
                _ = response.content  # the body too, while the slot is held (kept on the response)
            return response

    def close(self):
        self.inner.close()


local_semaphore = LocalSemaphore()


def at_once_from_settings(settings, default: int) -> int:
    """A connection may carry its own cap (`settings["max_concurrent"]`), e.g. a user BC allows more."""
    custom = (settings or {}).get("max_concurrent")
    return int(custom) if custom else default


# The concurrency backend every worker of a connection shares (Redis or the database).
shared_semaphore = SharedBackend("concurrency", RedisSemaphore, DatabaseSemaphore)
