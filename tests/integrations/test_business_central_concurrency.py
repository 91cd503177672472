"""Business Central processes at most 5 requests per user at once (business-central.md §2): however
many workers and threads push for one connection, the simulator never has more than the cap in
hand, and never refuses one for concurrency. Over HTTP against the simulator, whose queue is set
to 0 so one request too many would be answered 429 at once instead of waiting in line."""

import threading
import uuid

import pytest
import redis
import responses
from django.conf import settings

from integrations.connections import erp_for
from integrations.connectors.concurrency import DatabaseSemaphore, LocalSemaphore, RedisSemaphore
from integrations.connectors.http import RetryPolicy
from sandbox.business_central import services as bc
from sandbox.business_central.errors import BCError
from sandbox.business_central.ratelimit import limits
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
FAST = {"rate_limit": {"requests": 10_000, "per_seconds": 1}}
# Four workers (e.g. the orders, refunds and customers flows of one connection, and one more), ten
# threads each. One request per thread: the barrier below needs `cap` requests of different threads.
WORKERS, THREADS = 4, 10


def semaphore_of(kind: str, namespace: str):
    if kind == "db":
        return DatabaseSemaphore()
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"Redis does not answer at {url}")
    return RedisSemaphore(url, namespace=namespace)


@pytest.mark.parametrize(("kind", "max_concurrent"), [("db", None), ("redis", None), ("db", 2)])
def test_many_workers_never_have_more_than_the_cap_at_business_central(live_server, monkeypatch, kind,
                                                                        max_concurrent):
    cap = max_concurrent or 5
    limits.reset()
    environment = bc.create_environment("capshop.example", max_concurrent=cap, max_queue=0)
    company = bc.create_company(environment, "CAP SHOP", "Cap Shop AB")
    bc.create_app("capshop-client", "capshop-secret", "capshop.example")
    custom = {"max_concurrent": max_concurrent} if max_concurrent else {}
    connection = factories.business_central_connection(
        base_url=f"{live_server.url}/sandbox/business_central", auth_url=f"{live_server.url}/sandbox/business_central",
        tenant="capshop.example", company_id=str(company.id), client_id="capshop-client",
        client_secret="capshop-secret", **FAST, **custom)
    namespace = f"test:{uuid.uuid4().hex}"
    workers = [erp_for(connection, semaphore=semaphore_of(kind, namespace)) for _ in range(WORKERS)]
    workers[0].client.get("customers")  # the token, fetched once and kept in the connection

    # At BC, each request waits inside its processing slot until `cap` are being processed together:
    # the cap is filled exactly, and a request over it is refused (queue 0) or counted in `most`.
    together = threading.Barrier(cap, timeout=30)
    lock = threading.Lock()
    seen = {"now": 0, "most": 0, "refused": 0}
    enter, leave = limits.enter, limits.leave

    def entering(key, env):
        try:
            enter(key, env)
        except BCError as refusal:
            with lock:
                seen["refused"] += refusal.status == 429
            raise
        with lock:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        together.wait()

    def leaving(key):
        with lock:
            seen["now"] -= 1
        leave(key)

    monkeypatch.setattr(limits, "enter", entering)
    monkeypatch.setattr(limits, "leave", leaving)
    answers, failures = [], []

    def push(erp):
        from django.db import connection as db

        try:
            answers.append(erp.client.get("customers"))
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=push, args=(erp,)) for erp in workers for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(answers) == WORKERS * THREADS
    assert seen["refused"] == 0
    assert seen["most"] == cap
    assert workers[0].client.semaphore.held(f"connection:{connection.pk}:in-flight") == 0


@responses.activate
def test_a_slot_is_not_held_while_the_client_waits_to_retry(db):
    connection = factories.business_central_connection(company_id="c0")
    semaphore = LocalSemaphore()
    held_while_waiting = []
    key = f"connection:{connection.pk}:in-flight"
    erp = erp_for(connection, semaphore=semaphore, retry=RetryPolicy(max_attempts=3, backoff_base=0.0),
                  sleep=lambda seconds: held_while_waiting.append(semaphore.held(key)))
    api = "https://api.businesscentral.test/v2.0/contoso.example/production/api/v2.0/companies(c0)/customers"
    responses.post("https://login.microsoftonline.test/contoso.example/oauth2/v2.0/token",
                   json={"token_type": "Bearer", "expires_in": 3599, "access_token": "bc-access-1"})
    responses.get(api, status=429, json={"error": {"code": "Application_TooManyRequests", "message": "Slow down."}})
    responses.get(api, json={"value": []})

    assert erp.client.get("customers") == {"value": []}

    assert held_while_waiting == [0]
    assert semaphore.held(key) == 0
