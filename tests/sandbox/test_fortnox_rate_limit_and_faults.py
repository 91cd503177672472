"""The Fortnox simulator's own rate limit and the shared fault knobs."""

import pytest

from sandbox import faults
from sandbox.fortnox import oauth
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.ratelimit import SlidingWindowLimiter, limiter
from sandbox.models import FaultProfile

from .test_fortnox_oauth import token_call


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def fortnox_clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(limiter, "clock", clock)
    return clock


def test_rate_limit_returns_429_after_25_requests_in_5_seconds(fortnox_api, fortnox_clock):
    faults.set_faults("fortnox")
    statuses = [fortnox_api.get("companyinformation").status_code for _ in range(25)]
    assert statuses == [200] * 25

    refused = fortnox_api.get("companyinformation")

    assert refused.status_code == 429
    assert FaultProfile.objects.get(system="fortnox").seen_429 == 1


def test_429_says_nothing_about_when_to_come_back(fortnox_api, fortnox_clock):
    """Real Fortnox was never seen sending Retry-After or X-RateLimit-* (fortnox.md §2)."""
    for _ in range(25):
        fortnox_api.get("companyinformation")

    over_the_limit = fortnox_api.get("companyinformation")
    fortnox_clock.now += 5
    faults.set_faults("fortnox", next_429=1)
    injected = fortnox_api.get("companyinformation")

    for refused in (over_the_limit, injected):
        assert refused.status_code == 429
        assert not [name for name in refused.headers if name.lower().startswith(("retry-after", "x-ratelimit"))]


def test_the_window_slides(fortnox_api, fortnox_clock):
    for _ in range(25):
        fortnox_api.get("companyinformation")
    fortnox_clock.now += 4.9
    assert fortnox_api.get("companyinformation").status_code == 429

    fortnox_clock.now += 0.2

    assert fortnox_api.get("companyinformation").status_code == 200


def test_each_tenant_has_its_own_budget(fortnox_api, fortnox_api_for, fortnox_clock):
    for _ in range(25):
        fortnox_api.get("companyinformation")
    other_api = fortnox_api_for(fortnox.create_tenant("Other AB"))

    assert fortnox_api.get("companyinformation").status_code == 429
    assert other_api.get("companyinformation").status_code == 200


def test_rate_limit_is_a_tenant_knob(fortnox_api_for, fortnox_clock):
    api = fortnox_api_for(fortnox.create_tenant("Slow AB", rate_limit_requests=2, rate_limit_window_seconds=60))

    assert [api.get("companyinformation").status_code for _ in range(3)] == [200, 200, 429]


def test_refused_requests_do_not_count():
    clock = FakeClock()
    window = SlidingWindowLimiter(clock)
    assert all(window.allow("k", 2, 5) for _ in range(2))
    assert not any(window.allow("k", 2, 5) for _ in range(10))

    clock.now += 5

    assert window.allow("k", 2, 5)


def test_a_request_counts_from_when_it_arrived_not_from_when_it_is_checked():
    clock = FakeClock()
    window = SlidingWindowLimiter(clock)
    assert all(window.allow("k", 2, 5) for _ in range(2))  # both at 1000.0

    clock.now += 5.5

    assert not window.allow("k", 2, 5, arrived=1004.9)  # the two still in its window
    assert window.allow("k", 2, 5)  # one arriving now finds them gone


def test_a_request_checked_after_later_arrivals_also_counts_in_their_windows():
    clock = FakeClock()
    window = SlidingWindowLimiter(clock)
    clock.now = 1003.0
    assert window.allow("k", 2, 5)  # arrived at 1003
    assert window.allow("k", 2, 5, arrived=1001.0)  # nothing in the window before it

    assert not window.allow("k", 2, 5, arrived=1002.0)  # three in 1003's window

    clock.now = 1006.5
    assert window.allow("k", 2, 5)  # 1001 has left the window: 1003 and this one


def test_the_api_counts_a_request_from_when_it_reached_the_server(fortnox_api_for, fortnox_clock, monkeypatch):
    """As at Fortnox's gateway: a slow token look-up on our busy sandbox does not move the count."""
    api = fortnox_api_for(fortnox.create_tenant("One AB", rate_limit_requests=1, rate_limit_window_seconds=5))
    authenticate = oauth.authenticate_bearer
    slow_once = [6.0]

    def authenticate_slowly(authorization):
        fortnox_clock.now += slow_once.pop() if slow_once else 0.0
        return authenticate(authorization)

    monkeypatch.setattr(oauth, "authenticate_bearer", authenticate_slowly)

    assert api.get("companyinformation").status_code == 200  # arrived at 1000, checked at 1006
    assert api.get("companyinformation").status_code == 200  # arrived at 1006: the first has left


def test_injected_429_is_refused_before_the_view(fortnox_api, fortnox_customer):
    faults.set_faults("fortnox", next_429=1)

    assert fortnox_api.post("customers", {"Customer": {"Name": "Never"}}).status_code == 429
    assert fortnox_api.get("customers").json()["MetaInformation"]["@TotalResources"] == 1


def test_lost_response_fault_still_commits_the_invoice(fortnox_api, fortnox_customer):
    faults.set_faults("fortnox", next_lost_response=1)

    response = fortnox_api.post("invoices", {"Invoice": {"CustomerNumber": "1", "ExternalInvoiceReference1": "O-1",
                                                         "InvoiceRows": [{"Description": "x", "Price": 10}]}})

    assert response.status_code == 504
    assert response.content == b""
    found = fortnox_api.get("invoices", externalinvoicereference1="O-1").json()["Invoices"]
    assert [invoice["DocumentNumber"] for invoice in found] == ["1"]


def test_lost_response_on_refresh_kills_the_old_refresh_token(client, fortnox_tokens):
    faults.set_faults("fortnox", next_lost_response=1)
    lost = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])
    assert lost.status_code == 504

    retry = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])

    assert retry.status_code == 400



def test_latency_is_the_answers_time_so_requests_count_when_they_arrive(fortnox_api, fortnox_clock, monkeypatch):
    """A 26th request arriving exactly one window after the first is allowed, however long the
    server overslept the first one's latency: the limit counts arrivals (as Fortnox does), the
    answer comes later. With the latency slept first, the first request counted 0.7 s late, was
    still in the window, and the sandbox refused a request the engine had sent within the limit."""
    faults.set_faults("fortnox", latency_ms=300)
    oversleep = {0: 0.4}  # a loaded server: the first request's sleep runs 0.4 s long
    sent = []

    def sleep(seconds):
        fortnox_clock.now += seconds + oversleep.get(len(sent) - 1, 0.0)

    monkeypatch.setattr(faults.time, "sleep", sleep)
    for arrival in [1000.0 + 0.1 * number for number in range(25)]:
        fortnox_clock.now = arrival
        sent.append(arrival)
        assert fortnox_api.get("companyinformation").status_code == 200
    fortnox_clock.now = sent[0] + 5.0

    assert fortnox_api.get("companyinformation").status_code == 200


def test_the_fullest_window_of_requests_let_in_is_kept_per_key():
    clock = FakeClock()
    window = SlidingWindowLimiter(clock)
    for moment in (1000.0, 1001.0, 1002.0, 1007.5, 1008.0):
        clock.now = moment
        assert window.allow("k", 3, 5)
    clock.now = 1009.0
    assert not window.allow("k", 2, 5)  # refused: it counts in no window
    assert window.allow("other", 3, 5, arrived=1009.0)

    assert window.peaks() == {"k": 3, "other": 1}  # 1000-1002; then never more than 2 within 5 s
    window.reset()
    assert window.peaks() == {}


def test_the_peaks_are_read_over_http_per_tenant(fortnox_api_for, fortnox_clock, client):
    tenant = fortnox.create_tenant("Busy AB", rate_limit_requests=2, rate_limit_window_seconds=5)
    api = fortnox_api_for(tenant)
    assert client.delete("/sandbox/faults/fortnox/rate-limit").status_code == 204
    assert [api.get("companyinformation").status_code for _ in range(3)] == [200, 200, 429]

    seen = client.get("/sandbox/faults/fortnox/rate-limit").json()["tenants"]

    assert seen == {str(tenant.database_number): {"limit": 2, "window_seconds": 5, "peak": 2}}
