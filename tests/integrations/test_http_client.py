"""The shared HTTP base: retries, Retry-After, ambiguous writes, redaction, rate limiting."""

import pytest
import requests
import responses

from integrations.connectors.http import ApiClient, Redactor, RetryPolicy, parse_retry_after
from integrations.connectors.ratelimit import Limit, SlidingWindowLimiter
from integrations.domain.errors import SyncError

BASE = "https://api.example.test"


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(sleeps):
    return ApiClient(base_url=BASE, sleep=sleeps, retry=RetryPolicy(max_attempts=4, backoff_base=0.01))


@responses.activate
def test_429_is_retried_after_retry_after(client, sleeps):
    responses.get(f"{BASE}/things", status=429, headers={"Retry-After": "3"})
    responses.get(f"{BASE}/things", json={"ok": True})

    assert client.request("GET", "things") == {"ok": True}
    assert len(responses.calls) == 2
    assert sleeps == [pytest.approx(3, abs=0.05)]


@responses.activate
def test_429_is_retried_even_for_writes_because_nothing_was_written(client, sleeps):
    responses.post(f"{BASE}/things", status=429, headers={"Retry-After": "1"})
    responses.post(f"{BASE}/things", json={"id": 7}, status=201)

    assert client.request("POST", "things", json={"a": 1}) == {"id": 7}
    assert sleeps[0] >= 1


@responses.activate
def test_429_without_retry_after_backs_off_on_its_own_growing_each_time(sleeps):
    """Fortnox's 429 says nothing about when to come back: each wait is at least half of a doubling step."""
    client = ApiClient(base_url=BASE, sleep=sleeps, retry=RetryPolicy(max_attempts=5, backoff_base=0.2))
    for _ in range(4):
        responses.get(f"{BASE}/things", status=429, json={"ErrorInformation": {"message": "Too many requests"}})
    responses.get(f"{BASE}/things", json={"ok": True})

    assert client.request("GET", "things") == {"ok": True}

    assert len(sleeps) == 4
    for attempt, slept in enumerate(sleeps, start=1):
        step = 0.2 * 2 ** (attempt - 1)
        assert step / 2 <= slept <= step


def test_backoff_after_a_bare_429_is_jittered_between_half_a_step_and_a_step_up_to_the_cap():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0)

    for attempt in range(1, 7):
        step = min(4.0, 0.5 * 2 ** (attempt - 1))
        waits = [policy.rate_limited_backoff(attempt) for _ in range(200)]
        assert all(step / 2 <= wait <= step for wait in waits)
        assert len(set(waits)) > 150  # jittered: workers refused together do not come back together


@responses.activate
def test_429_that_never_ends_becomes_rate_limited_error(client):
    responses.get(f"{BASE}/things", status=429)

    with pytest.raises(SyncError) as error:
        client.request("GET", "things")
    assert error.value.code == "rate_limited"
    assert len(responses.calls) == 4


@responses.activate
def test_5xx_on_a_read_is_retried_with_growing_jittered_backoff(client, sleeps):
    responses.get(f"{BASE}/things", status=502)
    responses.get(f"{BASE}/things", status=503)
    responses.get(f"{BASE}/things", json=[1])

    assert client.request("GET", "things") == [1]
    assert len(sleeps) == 2
    assert all(0 <= s <= 0.01 * 2 ** i for i, s in enumerate(sleeps))


@responses.activate
def test_5xx_after_a_write_is_ambiguous_and_not_retried(client):
    responses.post(f"{BASE}/invoices", status=504)

    with pytest.raises(SyncError) as error:
        client.request("POST", "invoices", json={"Invoice": {}})
    assert error.value.code == "write_outcome_unknown"
    assert error.value.retryable
    assert len(responses.calls) == 1


@responses.activate
def test_timeout_after_a_write_is_ambiguous(client):
    responses.post(f"{BASE}/invoices", body=requests.ReadTimeout("slow"))

    with pytest.raises(SyncError) as error:
        client.request("POST", "invoices", json={})
    assert error.value.code == "write_outcome_unknown"


@responses.activate
def test_4xx_is_translated_not_retried(client):
    responses.get(f"{BASE}/things/1", status=404, json={"message": "nope"})

    with pytest.raises(SyncError) as error:
        client.request("GET", "things/1")
    assert error.value.code == "not_found"
    assert error.value.response["status"] == 404
    assert len(responses.calls) == 1


def test_retry_after_is_read_as_delta_unix_timestamp_or_http_date():
    now = 1_700_000_000.0
    assert parse_retry_after("5", now) == 5
    assert parse_retry_after(str(int(now) + 12), now) == 12
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:40 GMT", now) == pytest.approx(20, abs=1)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_redactor_removes_secrets_by_key_and_by_value():
    redact = Redactor(["s3cr3t-token-value"])
    cleaned = redact({
        "Authorization": "Bearer abc",
        "nested": [{"refresh_token": "r-1", "note": "token s3cr3t-token-value leaked"}],
        "amount": 12,
    })
    assert cleaned == {
        "Authorization": "[redacted]",
        "nested": [{"refresh_token": "[redacted]", "note": "token [redacted] leaked"}],
        "amount": 12,
    }


def test_sliding_window_waits_for_the_oldest_request_to_leave_the_window():
    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    limiter = SlidingWindowLimiter(clock=lambda: now[0], sleep=sleep)
    limit = Limit(3, 5.0)
    for _ in range(3):
        assert limiter.acquire("c1", limit) == 0
    now[0] = 1.0
    assert limiter.acquire("c1", limit) == pytest.approx(4.0)
    assert limiter.acquire("c2", limit) == 0  # another connection has its own window


@responses.activate
def test_kept_exchanges_are_bounded_however_large_the_answer(client):
    responses.get(f"{BASE}/orders", json={"orders": [{"id": i, "name": "x" * 500} for i in range(200)]})

    client.request("GET", "orders")

    kept = client.journal[0].as_response()["body"]
    assert kept["truncated"] is True
    assert kept["size"] > 100_000
    assert len(kept["head"]) == 20_000


@responses.activate
def test_429_asking_for_longer_than_max_retry_after_fails_at_once_with_when_to_retry(sleeps):
    """An hourly bucket spent (Centra's Retry-After at the hour's end): sleeping `max_retry_after`
    and asking again could only be refused again, holding the run for minutes, so the record (or
    the run) fails at once as rate_limited and says when to come back."""
    from datetime import UTC, datetime

    client = ApiClient(base_url=BASE, sleep=sleeps, retry=RetryPolicy(max_attempts=4, max_retry_after=120))
    responses.get(f"{BASE}/things", status=429, headers={"Retry-After": "3000"})
    before = datetime.now(UTC)

    with pytest.raises(SyncError) as error:
        client.request("GET", "things")

    assert error.value.code == "rate_limited"
    assert "3000 s" in error.value.message
    assert len(responses.calls) == 1
    assert sleeps == []
    assert 2990 <= (error.value.retry_at - before).total_seconds() <= 3010


@responses.activate
def test_429_asking_for_exactly_max_retry_after_is_still_waited_out(sleeps):
    client = ApiClient(base_url=BASE, sleep=sleeps, retry=RetryPolicy(max_attempts=4, max_retry_after=120))
    responses.get(f"{BASE}/things", status=429, headers={"Retry-After": "120"})
    responses.get(f"{BASE}/things", json={"ok": True})

    assert client.request("GET", "things") == {"ok": True}
    assert sleeps == [pytest.approx(120, abs=0.5)]
