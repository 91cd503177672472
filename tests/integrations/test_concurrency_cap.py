"""The concurrency cap of a connection holds across workers: at most N leases at once, given back
when done, reclaimed when their holder died (each backend, on a fake clock; threads for overlap)."""

import threading
import uuid

import pytest
import redis
from django.conf import settings

from integrations.connectors.concurrency import (
    Cap,
    DatabaseSemaphore,
    LocalSemaphore,
    RedisSemaphore,
    shared_semaphore,
)
from integrations.domain.errors import SyncError
from integrations.models import ConcurrencyLease

T0 = 1_700_000_000.0
CAP = Cap(at_once=3, lease_seconds=10.0, max_wait=5.0)


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
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


def backend(kind: str, request, namespace: str = "", **clocked):
    if kind == "memory":
        return LocalSemaphore(**clocked)
    if kind == "db":
        return DatabaseSemaphore(**clocked)
    semaphore = RedisSemaphore(request.getfixturevalue("redis_url"), namespace=namespace or f"test:{uuid.uuid4().hex}",
                               **clocked)
    request.addfinalizer(semaphore.reset)
    return semaphore


@pytest.fixture(params=["memory", "db", "redis"])
def semaphore(request, clock, db):
    return backend(request.param, request, clock=clock, sleep=clock.sleep)


def test_the_cap_is_held_and_a_lease_given_back_frees_its_slot(semaphore):
    leases = [semaphore.take("connection:1", CAP)[0] for _ in range(3)]
    assert all(leases)
    assert len(set(leases)) == 3
    lease, wait = semaphore.take("connection:1", CAP)
    assert lease is None
    assert wait == pytest.approx(10.0)  # until the first lease would expire
    assert semaphore.held("connection:1") == 3

    semaphore.give_back("connection:1", leases[1])

    assert semaphore.held("connection:1") == 2
    assert semaphore.take("connection:1", CAP)[0] is not None
    assert semaphore.take("connection:1", CAP)[0] is None


def test_another_connection_has_its_own_slots(semaphore):
    for _ in range(3):
        semaphore.take("connection:1", CAP)
    assert semaphore.take("connection:2", CAP)[0] is not None


def test_a_lease_never_given_back_is_reclaimed_when_it_expires(semaphore, clock):
    dead_worker = [semaphore.take("connection:1", CAP)[0] for _ in range(3)]
    clock.now = T0 + 9.999
    assert semaphore.take("connection:1", CAP)[0] is None
    clock.now = T0 + 10.0

    ours = semaphore.take("connection:1", CAP)[0]

    assert ours is not None
    assert semaphore.held("connection:1") == 1
    semaphore.give_back("connection:1", dead_worker[0])  # a late give-back frees nobody else's slot
    assert semaphore.held("connection:1") == 1


def test_acquire_waits_for_an_expiring_lease(semaphore, clock):
    for _ in range(3):
        semaphore.take("connection:1", Cap(3, lease_seconds=2.0, max_wait=5.0))

    semaphore.acquire("connection:1", CAP)

    assert clock.now == pytest.approx(T0 + 2.0, abs=0.25)  # woke at most one pause after the slot freed
    assert sum(clock.slept) < 2.0 + 0.25
    assert semaphore.held("connection:1") == 1


def test_acquire_gives_up_after_its_longest_wait_as_rate_limited(semaphore, clock):
    for _ in range(3):
        semaphore.take("connection:1", Cap(3, lease_seconds=60.0, max_wait=0))

    with pytest.raises(SyncError) as refused:
        semaphore.acquire("connection:1", CAP)

    assert refused.value.code == "rate_limited"
    assert refused.value.retryable
    assert clock.now == pytest.approx(T0 + CAP.max_wait)  # waited exactly the bound, on the fake clock
    assert semaphore.held("connection:1") == 3


def test_hold_gives_the_slot_back_when_the_block_raises(semaphore):
    held_inside = []

    def failing_request():
        with semaphore.hold("connection:1", CAP):
            held_inside.append(semaphore.held("connection:1"))
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        failing_request()
    assert held_inside == [1]
    assert semaphore.held("connection:1") == 0


def test_database_leases_are_one_row_per_held_slot(db, clock):
    semaphore = DatabaseSemaphore(clock=clock, sleep=clock.sleep)
    first = semaphore.take("connection:1", CAP)[0]
    semaphore.take("connection:1", CAP)
    semaphore.give_back("connection:1", first)
    semaphore.take("connection:1", CAP)  # the freed slot number again

    assert sorted(ConcurrencyLease.objects.values_list("slot", flat=True)) == [0, 1]


def test_database_expired_slots_of_a_larger_cap_are_cleared(db, clock):
    semaphore = DatabaseSemaphore(clock=clock, sleep=clock.sleep)
    for _ in range(5):
        semaphore.take("connection:1", Cap(5, lease_seconds=1.0, max_wait=0))
    clock.now = T0 + 1.0

    semaphore.take("connection:1", CAP)

    assert sorted(ConcurrencyLease.objects.values_list("slot", flat=True)) == [0, 1, 2]
    assert semaphore.held("connection:1") == 1


def test_redis_keys_are_namespaced_and_expire_after_their_last_lease(redis_url):
    namespace = f"test:{uuid.uuid4().hex}"
    semaphore = RedisSemaphore(redis_url, namespace=namespace)
    semaphore.take("connection:1", Cap(2, lease_seconds=2.0, max_wait=0))
    ttl_ms = redis.Redis.from_url(redis_url).pttl(f"{namespace}:connection:1")
    assert 0 < ttl_ms <= 3000
    semaphore.reset()
    assert redis.Redis.from_url(redis_url).exists(f"{namespace}:connection:1") == 0


def test_unreachable_redis_falls_back_to_a_cap_in_process(caplog, clock):
    semaphore = RedisSemaphore("redis://127.0.0.1:1/0", clock=clock, sleep=clock.sleep)
    with caplog.at_level("WARNING", logger="integrations.connectors.concurrency"):
        leases = [semaphore.take("connection:1", CAP)[0] for _ in range(3)]
        assert semaphore.take("connection:1", CAP)[0] is None
        semaphore.give_back("connection:1", leases[0])
        assert semaphore.take("connection:1", CAP)[0] is not None
    assert "Redis unavailable" in caplog.text


def test_shared_semaphore_is_redis_when_configured_and_the_database_otherwise(settings, redis_url):
    settings.REDIS_URL = ""
    assert isinstance(shared_semaphore(), DatabaseSemaphore)
    settings.REDIS_URL = redis_url
    assert isinstance(shared_semaphore(), RedisSemaphore)
    assert shared_semaphore() is shared_semaphore()


@pytest.mark.django_db(transaction=True)  # the threads' own connections must see committed leases
@pytest.mark.parametrize("kind", ["memory", "db", "redis"])
def test_many_threads_with_a_semaphore_each_never_exceed_the_cap_and_fill_it(kind, request):
    """Each thread has its own semaphore object (as each worker process has), over one store. Inside
    its slot a thread waits at a barrier of `at_once` parties: the cap must be filled exactly for the
    threads to pass it, and one more holder at any moment shows in `most`. One slot per thread: a
    barrier party must be another thread."""
    cap = Cap(at_once=3, lease_seconds=60.0, max_wait=60.0)
    threads_count = 12
    shared = LocalSemaphore() if kind == "memory" else None  # one process: its threads share one
    namespace = f"test:{uuid.uuid4().hex}"  # one store for every worker of the connection
    semaphores = [shared or backend(kind, request, namespace) for _ in range(threads_count)]
    inside = threading.Barrier(cap.at_once, timeout=30)
    start = threading.Barrier(threads_count, timeout=30)
    lock = threading.Lock()
    state = {"now": 0, "most": 0, "done": 0}
    failures: list[BaseException] = []

    def worker(semaphore):
        try:
            start.wait()
            with semaphore.hold("connection:1", cap):
                with lock:
                    state["now"] += 1
                    state["most"] = max(state["most"], state["now"])
                inside.wait()
                with lock:
                    state["now"] -= 1
                    state["done"] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=worker, args=(semaphore,)) for semaphore in semaphores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert state["done"] == threads_count
    assert state["most"] == cap.at_once
    assert semaphores[0].held("connection:1") == 0
