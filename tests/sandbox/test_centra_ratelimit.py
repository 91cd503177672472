"""Centra's six rate-limit buckets: 429 with Retry-After, and the `rateLimits` query."""

import email.utils
import time

import pytest

from integrations.connectors.centra.client import CentraClient
from integrations.connectors.http import RetryPolicy, parse_retry_after
from integrations.domain.errors import SyncError
from sandbox import faults
from sandbox.centra import ratelimit
from sandbox.centra import services as centra
from sandbox.models import FaultProfile

RATE_LIMITS = "{ rateLimits { type interval intervalSeconds quota usedQuota remainingQuota } }"


def test_rate_limits_query_returns_six_buckets_of_the_growth_plan(centra_gql, centra_store):
    limits = centra_gql(centra_store, RATE_LIMITS).json()["data"]["rateLimits"]

    quotas = {(entry["type"], entry["intervalSeconds"]): entry["quota"] for entry in limits}
    assert quotas == {
        ("REQUEST_COUNT", 10): 60, ("REQUEST_COUNT", 3600): 5000,
        ("MUTATION_COUNT", 10): 20, ("MUTATION_COUNT", 3600): 1800,
        ("QUERY_COMPLEXITY", 10): 250_000, ("QUERY_COMPLEXITY", 3600): 30_000_000,
    }
    assert all(entry["quota"] == entry["usedQuota"] + entry["remainingQuota"] for entry in limits)
    request_bucket = next(e for e in limits if e["type"] == "REQUEST_COUNT" and e["interval"] == "TEN_SECONDS")
    assert request_bucket["usedQuota"] == 1  # the query itself is rate-limited


def test_plan_knob_selects_the_fresh_instance_quotas(centra_gql, db):
    store = centra.create_store("fresh", plan="fresh")

    limits = centra_gql(store, RATE_LIMITS).json()["data"]["rateLimits"]

    assert [e["quota"] for e in limits if e["interval"] == "TEN_SECONDS"] == [20, 100, 150_000]


def test_request_bucket_gives_429_with_retry_after_as_the_unix_time_to_resume(centra_gql, db):
    """Centra's docs: Retry-After "points at a timestamp at which it is possible to try again"."""
    faults.set_faults("centra")
    store = centra.create_store("tiny", rate_limit_overrides={"REQUEST_COUNT": {"TEN_SECONDS": 2}})

    statuses = [centra_gql(store, "{ stores { id } }").status_code for _ in range(3)]
    before = time.time()
    refused = centra_gql(store, "{ stores { id } }")

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert before < int(refused["Retry-After"]) <= before + 10
    assert refused.json()["errors"][0]["extensions"]["category"] == "rateLimit"
    assert FaultProfile.objects.get(system="centra").seen_429 == 2


def test_mutation_bucket_only_counts_mutations(centra_gql, db):
    store = centra.create_store("mut", rate_limit_overrides={"MUTATION_COUNT": {"TEN_SECONDS": 1}})
    confirm = 'mutation { confirmEvents(input: {eventsIds: []}) { userErrors { message } } }'

    assert centra_gql(store, confirm).status_code == 200
    assert centra_gql(store, "{ stores { id } }").status_code == 200
    assert centra_gql(store, confirm).status_code == 429


def test_complexity_bucket_refuses_expensive_queries(centra_gql, db):
    store = centra.create_store("cheap", rate_limit_overrides={"QUERY_COMPLEXITY": {"TEN_SECONDS": 100}})

    cheap = centra_gql(store, "{ stores { id } }")
    expensive = centra_gql(store, "{ orders(limit: 200) { number lines { id } } }")

    assert cheap.status_code == 200
    assert expensive.status_code == 429


def test_nested_lists_cost_more(centra_gql, centra_store):
    flat = centra_gql(centra_store, "{ orders(limit: 10) { number } }").json()["extensions"]["complexity"]
    nested_query = "{ orders(limit: 10) { number lines { id } } }"
    nested = centra_gql(centra_store, nested_query).json()["extensions"]["complexity"]

    assert flat == 1 + 10 * 1
    assert nested > flat * 5


FROZEN_NOW = 1_800_000_003.25  # 6.75 s before its 10-second window ends at 1_800_000_010


@pytest.mark.parametrize(("retry_after_format", "expected_wait"), [
    ("timestamp", 6.75),  # "1800000010": the moment the bucket refills
    ("http_date", 6.75),  # "Fri, 15 Jan 2027 08:00:10 GMT": the same moment, RFC 9110 style
    ("delta", 7),  # "7": whole seconds, rounded up so the client is never early
])
def test_engine_reads_each_retry_after_form_as_the_time_left_in_the_window(
    centra_gql, db, monkeypatch, retry_after_format, expected_wait
):
    """The simulator's header, whatever its form, gives the engine's parser the same wait."""
    monkeypatch.setattr(ratelimit, "clock", lambda: FROZEN_NOW)
    store = centra.create_store("frozen", retry_after_format=retry_after_format,
                                rate_limit_overrides={"REQUEST_COUNT": {"TEN_SECONDS": 1}})
    centra_gql(store, "{ stores { id } }")

    refused = centra_gql(store, "{ stores { id } }")

    assert refused.status_code == 429
    assert parse_retry_after(refused["Retry-After"], now=FROZEN_NOW) == expected_wait


def test_http_date_retry_after_is_an_rfc_9110_date(centra_gql, db, monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: FROZEN_NOW)
    store = centra.create_store("dated", retry_after_format="http_date",
                                rate_limit_overrides={"REQUEST_COUNT": {"TEN_SECONDS": 1}})
    centra_gql(store, "{ stores { id } }")

    refused = centra_gql(store, "{ stores { id } }")

    resume = email.utils.parsedate_to_datetime(refused["Retry-After"])
    assert refused["Retry-After"].endswith(" GMT")
    assert resume.timestamp() == 1_800_000_010


class SimulatedTime:
    """One clock for the simulator's buckets and the client's sleeps: sleeping moves it forward.

    Real time still runs underneath, so a client that sleeps less than Retry-After asks again
    inside the same window and is refused again.
    """

    def __init__(self):
        self.offset = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds


@pytest.mark.parametrize("retry_after_format", ["timestamp", "http_date", "delta"])
def test_engine_client_retries_a_429_once_the_retry_after_time_has_come(
    live_server, transactional_db, monkeypatch, retry_after_format
):
    """Over HTTP: one request per hour, so the second call waits until the next hour, then succeeds."""
    clock = SimulatedTime()
    monkeypatch.setattr(ratelimit, "clock", clock.now)
    store = centra.create_store("hourly", retry_after_format=retry_after_format,
                                rate_limit_overrides={"REQUEST_COUNT": {"ONE_HOUR": 1}})
    client = CentraClient(base_url=f"{live_server.url}/sandbox/centra/hourly", api_token=store.api_token,
                          retry=RetryPolicy(backoff_base=0.0, max_retry_after=3600), sleep=clock.sleep)
    client.check()
    asked_at = clock.now()

    limits = client.check()

    next_hour = (asked_at // 3600 + 1) * 3600
    assert len(limits["rateLimits"]) == 6
    assert [exchange.attempts for exchange in client.journal] == [1, 2]
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] <= next_hour - asked_at + 1  # read as a moment or a delta, never as a huge delay


def test_engine_client_does_not_sleep_out_a_spent_hourly_complexity_bucket(live_server, transactional_db, monkeypatch):
    """Over HTTP: the hour's complexity is spent, so Centra's Retry-After points at the next hour;
    the client fails at once as rate_limited with that moment instead of sleeping its longest
    wait again and again (a run held for minutes, each retry refused)."""
    clock = SimulatedTime()
    clock.offset = 1_800_000_000 - time.time()  # the start of an hour: the next one is 3600 s away
    monkeypatch.setattr(ratelimit, "clock", clock.now)
    store = centra.create_store("hour-spent", rate_limit_overrides={"QUERY_COMPLEXITY": {"ONE_HOUR": 1}})
    client = CentraClient(base_url=f"{live_server.url}/sandbox/centra/hour-spent", api_token=store.api_token,
                          retry=RetryPolicy(backoff_base=0.0, max_retry_after=120), sleep=clock.sleep)

    with pytest.raises(SyncError) as error:
        client.graphql("{ rateLimits { type } }")

    assert error.value.code == "rate_limited"
    assert clock.sleeps == []
    assert [exchange.attempts for exchange in client.journal] == [1]
    assert error.value.retry_at.timestamp() > 1_800_000_000 + 3000
