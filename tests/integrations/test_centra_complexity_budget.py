"""Centra's query-complexity points are budgeted like requests: read fast, and never a 429 for them.

Over real HTTP against the Centra simulator, whose QUERY_COMPLEXITY bucket is set small; the
simulator and the client's limiter share one simulated clock, so waiting costs no real time.
"""

import time
from decimal import Decimal

import pytest

from integrations.connectors.centra.client import SHIPMENTS_QUERY, CentraClient
from integrations.connectors.http import RetryPolicy
from integrations.connectors.ratelimit import SHARED_MARGIN, DatabaseSlidingWindow, Limit, SlidingWindowLimiter
from sandbox.centra import ratelimit
from sandbox.centra import services as centra

POINTS = 2_000  # the store's complexity points per 10 s
PAGE = 1  # one shipment with its order per page: 309 points in the simulator
PAGES = 20


class SimulatedTime:
    def __init__(self):
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture(autouse=True)
def nothing_learned_yet(monkeypatch):
    from integrations.connectors.centra import client

    monkeypatch.setattr(client, "_complexity_seen", {})


@pytest.fixture
def clock(monkeypatch):
    clock = SimulatedTime()
    monkeypatch.setattr(ratelimit, "clock", clock.now)
    return clock


@pytest.fixture
def store(transactional_db):
    store = centra.create_store("points", rate_limit_overrides={"QUERY_COMPLEXITY": {"TEN_SECONDS": POINTS}})
    centra.create_product(store, "COAT", "Coat")
    line = {"sku": "COAT", "quantity": 1, "unit_price": Decimal("1500"), "original_price": Decimal("1500"),
            "tax_percent": Decimal("25")}
    for number in range(PAGES):
        centra.create_shipment(centra.create_order(store, email=f"buyer{number}@example.com", lines=[line]))
    return store


def client_for(live_server, store, clock, limiter, complexity_limit):
    return CentraClient(
        base_url=f"{live_server.url}/sandbox/centra/{store.slug}", api_token=store.api_token,
        connection_key=f"connection:{store.slug}", limiter=limiter, complexity_limit=complexity_limit,
        first_complexity_estimate=500, retry=RetryPolicy(backoff_base=0.0, max_retry_after=60), sleep=clock.sleep,
    )


def read_every_page(client) -> list[int]:
    for page in range(1, PAGES + 1):
        assert len(client.shipments_with_orders_page({}, page=page, limit=PAGE)) == 1
    return [exchange.attempts for exchange in client.journal]


@pytest.mark.parametrize("backend", ["memory", "db"])
def test_pages_read_within_the_complexity_budget_get_no_429(live_server, store, clock, backend):
    # The in-process window with the margin the shared ones keep (the engine's Centra client uses
    # those): without it a page the simulator handled a few ms later than its slot could land in
    # the previous window on a busy machine (a 429 under pytest-xdist, once).
    limiter = (SlidingWindowLimiter(clock=clock.now, sleep=clock.sleep, margin=SHARED_MARGIN) if backend == "memory"
               else DatabaseSlidingWindow(clock=clock.now, sleep=clock.sleep))
    client = client_for(live_server, store, clock, limiter, Limit(POINTS, 10.0))
    started = clock.now()

    attempts = read_every_page(client)

    assert attempts == [1] * PAGES  # not one 429
    # 20 pages of 309 points through 2,000 points per 10 s: the budget, not luck, spaced them.
    assert clock.now() - started >= (PAGES * 309 - POINTS) / POINTS * 10 - 1


def test_without_the_budget_the_same_reads_run_into_429s(live_server, store, clock):
    client = client_for(live_server, store, clock, SlidingWindowLimiter(clock=clock.now, sleep=clock.sleep), None)

    attempts = read_every_page(client)

    assert max(attempts) > 1  # the simulator refused, and the client waited for its Retry-After


def test_a_request_costlier_than_expected_takes_the_rest_of_its_points(live_server, store, clock):
    limiter = SlidingWindowLimiter(clock=clock.now, sleep=clock.sleep)
    client = client_for(live_server, store, clock, limiter, Limit(POINTS, 10.0))
    client.first_complexity_estimate = 100

    client.shipments_with_orders_page({}, page=1, limit=PAGE)

    assert client.expected_complexity({"query": SHIPMENTS_QUERY, "variables": {"limit": PAGE}}) == 309
    budget = Limit(POINTS, 10.0)
    assert limiter.try_acquire(f"connection:{store.slug}:complexity", budget, POINTS - 309) is True
    assert limiter.try_acquire(f"connection:{store.slug}:complexity", budget, 1) is False  # 100 + 209 taken
