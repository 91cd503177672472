"""Centra's six rate-limit buckets: 429 with Retry-After, and the `rateLimits` query."""

from sandbox import faults
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


def test_request_bucket_gives_429_with_retry_after(centra_gql, db):
    faults.set_faults("centra")
    store = centra.create_store("tiny", rate_limit_overrides={"REQUEST_COUNT": {"TEN_SECONDS": 2}})

    statuses = [centra_gql(store, "{ stores { id } }").status_code for _ in range(3)]
    refused = centra_gql(store, "{ stores { id } }")

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 10
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


def test_retry_after_can_be_a_timestamp(centra_gql, db):
    store = centra.create_store("ts", retry_after_format="timestamp",
                                rate_limit_overrides={"REQUEST_COUNT": {"TEN_SECONDS": 1}})
    centra_gql(store, "{ stores { id } }")

    refused = centra_gql(store, "{ stores { id } }")

    assert int(refused["Retry-After"]) > 1_600_000_000
