"""The rate limit of a connection holds across processes: every worker shares one window."""

import itertools
import logging
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.connectors.ratelimit import (
    SHARED_MARGIN,
    DatabaseSlidingWindow,
    Limit,
    RedisSlidingWindow,
    SlidingWindowLimiter,
    shared_limiter,
)
from integrations.management.commands.bench_rate_limit import hammer, max_in_window
from integrations.models import RateLimitWindow

T0 = 1_700_000_000.0


@pytest.fixture
def redis_url():
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis does not answer at {url}")
    return url


class FakeClock:
    def __init__(self, now: float = T0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture(params=["memory", "db", "redis"])
def limiter(request, clock, db):
    if request.param == "memory":
        yield SlidingWindowLimiter(clock=clock, sleep=clock.sleep)
    elif request.param == "db":
        yield DatabaseSlidingWindow(clock=clock, sleep=clock.sleep, margin=0)
    else:
        namespace = f"test:{uuid.uuid4().hex}"
        limiter = RedisSlidingWindow(request.getfixturevalue("redis_url"), namespace=namespace, clock=clock,
                                     sleep=clock.sleep, margin=0)
        yield limiter
        limiter.reset()


def test_a_full_window_waits_until_its_oldest_slot_leaves(limiter, clock):
    limit = Limit(3, 10.0)
    for second in range(3):
        clock.now = T0 + second
        assert limiter.acquire("connection:1", limit) == 0
    clock.now = T0 + 5
    assert limiter.try_acquire("connection:1", limit) is False
    assert limiter.acquire("connection:1", limit) == pytest.approx(5.0)  # the slot of T0 leaves at T0 + 10
    assert clock.now == pytest.approx(T0 + 10)
    assert limiter.acquire("connection:1", limit) == pytest.approx(1.0)  # then the slot of T0 + 1
    assert limiter.try_acquire("connection:2", limit) is True  # another connection has its own window


def test_a_slot_leaves_once_its_whole_window_has_passed_and_not_a_microsecond_before(limiter, clock):
    limit = Limit(1, 2.0)
    assert limiter.try_acquire("connection:1", limit) is True
    clock.now = T0 + 1.999
    assert limiter.try_acquire("connection:1", limit) is False
    clock.now = T0 + 2.0 - 0.000001
    assert limiter.try_acquire("connection:1", limit) is False
    clock.now = T0 + 2.000002  # the shared stores count whole microseconds, rounded against letting in
    assert limiter.try_acquire("connection:1", limit) is True


def test_waiting_what_the_limiter_says_always_lands_past_the_window_on_a_coarse_float_clock(limiter, clock):
    """A clock near 1.7e9 s resolves about a quarter of a microsecond: the limiter's waits must not
    round a request to just before the window's edge, where Fortnox still counts the old one."""
    limit = Limit(1, 2.0)
    granted = []
    for step in range(200):
        clock.now += 0.3403807 * (step % 7)  # requests at awkward moments
        limiter.acquire("connection:1", limit)
        granted.append(clock.now)
    assert all(later - earlier >= 2.0 for earlier, later in itertools.pairwise(granted))


def test_shared_backends_keep_a_slot_a_margin_longer_than_the_window(db, clock):
    limiter = DatabaseSlidingWindow(clock=clock, sleep=clock.sleep)
    limit = Limit(1, 2.0)
    assert limiter.acquire("connection:1", limit) == 0
    assert limiter.acquire("connection:1", limit) == pytest.approx(2.0 + SHARED_MARGIN)
    assert shared_limiter().span(limit) == pytest.approx(2.0 + SHARED_MARGIN)


def test_reset_of_one_key_keeps_the_others(limiter):
    limit = Limit(1, 60.0)
    assert limiter.try_acquire("a", limit)
    assert limiter.try_acquire("b", limit)
    limiter.reset("a")
    assert limiter.try_acquire("a", limit) is True
    assert limiter.try_acquire("b", limit) is False


def test_database_window_keeps_at_most_one_window_of_slots(db, clock):
    limiter = DatabaseSlidingWindow(clock=clock, sleep=clock.sleep)
    limit = Limit(5, 1.0)
    for step in range(50):
        clock.now = T0 + step * 0.1
        limiter.acquire("connection:1", limit)
    window = RateLimitWindow.objects.get(key="connection:1")
    assert len(window.slots.split(",")) <= limit.requests
    assert RateLimitWindow.objects.count() == 1


def test_database_slot_is_one_statement_and_a_full_window_is_waited_out_without_any(db, clock):
    limiter = DatabaseSlidingWindow(clock=clock, sleep=clock.sleep, margin=0)
    limit = Limit(2, 10.0)
    limiter.acquire("connection:1", limit)  # the first reads (and creates) the key's row
    with CaptureQueriesContext(connection) as taking:
        assert limiter.try_acquire("connection:1", limit) is True
    with CaptureQueriesContext(connection) as refused:
        assert limiter.try_acquire("connection:1", limit) is False
    assert [query["sql"].split()[0] for query in taking.captured_queries] == ["UPDATE"]
    assert refused.captured_queries == []


def test_database_window_taken_by_another_worker_is_read_again_not_overdrawn(db, clock):
    ours = DatabaseSlidingWindow(clock=clock, sleep=clock.sleep, margin=0)
    theirs = DatabaseSlidingWindow(clock=clock, sleep=clock.sleep, margin=0)  # another process
    limit = Limit(3, 10.0)
    assert ours.try_acquire("connection:1", limit) is True
    clock.now += 1
    assert theirs.try_acquire("connection:1", limit) is True
    assert theirs.try_acquire("connection:1", limit) is True
    clock.now += 1
    assert ours.try_acquire("connection:1", limit) is False  # its swap failed, it read the full window
    assert ours.acquire("connection:1", limit) == pytest.approx(8.0)


def test_redis_keys_are_namespaced_and_expire(redis_url):
    namespace = f"test:{uuid.uuid4().hex}"
    limiter = RedisSlidingWindow(redis_url, namespace=namespace)
    limiter.acquire("connection:1", Limit(5, 2.0))
    ttl_ms = redis.Redis.from_url(redis_url).pttl(f"{namespace}:connection:1")
    assert 0 < ttl_ms <= (2.0 + SHARED_MARGIN + 1) * 1000
    limiter.reset()
    assert redis.Redis.from_url(redis_url).exists(f"{namespace}:connection:1") == 0


def test_unreachable_redis_falls_back_to_limiting_in_process(caplog, clock):
    limiter = RedisSlidingWindow("redis://127.0.0.1:1/0", clock=clock, sleep=clock.sleep, margin=0)
    limit = Limit(2, 10.0)
    with caplog.at_level(logging.WARNING, logger="integrations.connectors.ratelimit"):
        assert limiter.acquire("connection:1", limit) == 0
        assert limiter.acquire("connection:1", limit) == 0
        assert limiter.acquire("connection:1", limit) == pytest.approx(10.0)
    assert "Redis unavailable" in caplog.text


def test_shared_limiter_is_redis_when_configured_and_the_database_otherwise(settings, redis_url):
    settings.REDIS_URL = ""
    assert isinstance(shared_limiter(), DatabaseSlidingWindow)
    settings.REDIS_URL = redis_url
    assert isinstance(shared_limiter(), RedisSlidingWindow)
    assert shared_limiter() is shared_limiter()


def test_max_in_window_counts_half_open_windows():
    assert max_in_window([0.0, 0.5, 1.0, 1.2, 1.9, 2.0], 1.0) == 3  # [1.0, 2.0) holds 1.0, 1.2, 1.9
    assert max_in_window([], 1.0) == 0


@pytest.mark.django_db(transaction=True)  # the workers must see committed rows
@pytest.mark.parametrize("backend", ["redis", "db"])
def test_four_worker_processes_on_one_connection_stay_under_the_limit(backend, request):
    target = request.getfixturevalue("redis_url") if backend == "redis" else str(connection.settings_dict["NAME"])
    limit = Limit(10, 1.0)

    result = hammer(backend, target, limit=limit, workers=4, per_worker=10)

    # Stamped by the workers after `acquire` returned, as the API would see them: the limiter's
    # margin absorbs the few milliseconds by which that lags behind the grant.
    stamps = result.timestamps
    assert len(stamps) == 40
    assert result.max_in_window(limit.per_seconds) == limit.requests
    # ... and it throttled no harder than it must: the first ten went at once, then ten per window.
    assert 3 * limit.per_seconds <= stamps[-1] - stamps[0] <= 3 * limit.per_seconds + 1.0


def test_a_weighted_budget_counts_each_slots_cost(limiter, clock):
    points = Limit(100, 10.0)  # e.g. query-complexity points per 10 s
    assert limiter.try_acquire("connection:1:complexity", points, cost=60) is True
    clock.now = T0 + 2
    assert limiter.try_acquire("connection:1:complexity", points, cost=30) is True
    clock.now = T0 + 4
    assert limiter.try_acquire("connection:1:complexity", points, cost=20) is False  # 90 used
    assert limiter.acquire("connection:1:complexity", points, cost=20) == pytest.approx(6.0)  # the 60 leave
    assert limiter.try_acquire("connection:1:complexity", points, cost=10) is True  # 30 + 20 + 10
    assert limiter.try_acquire("connection:1:complexity", points, cost=41) is False


def test_a_cost_above_the_whole_budget_waits_for_an_empty_window(limiter, clock):
    points = Limit(100, 10.0)
    assert limiter.try_acquire("connection:1:complexity", points, cost=10) is True
    clock.now = T0 + 1
    assert limiter.acquire("connection:1:complexity", points, cost=500) == pytest.approx(9.0)
    assert limiter.try_acquire("connection:1:complexity", points, cost=1) is False



def test_a_limit_with_late_keeps_one_more_than_its_requests_in_a_window_that_much_longer(limiter, clock):
    """Fortnox's 24 per 5 s with late=5/24: never more than 24 slots in any 5 s, nor 25 in any
    5 + 5/24 s, so requests reaching the API up to 5/24 s after their slot, in any order, never
    make 26 in its 5 s. Slots waited for a little too long (an oversleeping thread, 50 ms each
    time) are caught up: 200 slots still take no longer than 24 per 5 s would."""
    limit = Limit(24, 5.0, margin=0.0, late=5.0 / 24)
    limiter._sleep = lambda seconds: setattr(clock, "now", clock.now + seconds + 0.05)  # oversleeps
    granted = []
    for _ in range(200):
        limiter.acquire("connection:1", limit)
        granted.append(clock.now)

    assert max_in_window(granted, 5.0) == 24
    assert max_in_window(granted, 5.0 + 5.0 / 24 - 1e-6) <= 25
    assert granted[-1] - granted[0] <= 200 / 24 * 5.0 + 0.5


def test_a_connections_own_limit_keeps_the_defaults_late():
    from integrations.connectors.ratelimit import limit_from_settings

    custom = limit_from_settings({"rate_limit": {"requests": 50, "per_seconds": 5}}, Limit(24, 5.0, late=0.2))

    assert (custom.requests, custom.per_seconds, custom.late) == (50, 5.0, 0.2)


def test_installations_sharing_one_redis_keep_their_windows_apart(redis_url, settings):
    settings.REDIS_URL = redis_url
    limit = Limit(1, 60.0)
    key = f"connection:{uuid.uuid4().hex}"  # the same connection id in two installations' databases
    try:
        settings.REDIS_PREFIX = "shop-eu"
        eu = shared_limiter()
        assert eu.try_acquire(key, limit) is True
        assert shared_limiter().try_acquire(key, limit) is False  # one window per installation and key
        settings.REDIS_PREFIX = "shop-us"
        assert shared_limiter().try_acquire(key, limit) is True
    finally:
        for prefix in ("shop-eu", "shop-us"):
            settings.REDIS_PREFIX = prefix
            shared_limiter().reset(key)
