"""Fortnox OAuth: tokens refresh once, the new refresh token is saved first; errors in two casings."""

import time
from urllib.parse import parse_qs

import pytest
import requests
import responses

from integrations.connections import erp_for, set_credentials
from integrations.connectors.fortnox.client import read_error_information
from integrations.connectors.http import RetryPolicy
from integrations.connectors.ratelimit import DatabaseSlidingWindow
from integrations.domain.errors import SyncError
from integrations.models import Connection
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.ratelimit import limiter as fortnox_window
from tests import factories

from .conftest import refreshed

pytestmark = pytest.mark.django_db
API = "https://api.fortnox.test/3"
TOKEN_URL = "https://apps.fortnox.test/oauth-v1/token"


def token_answer(n):
    return {"access_token": f"access-new-{n}", "refresh_token": f"refresh-new-{n}", "scope": "invoice",
            "expires_in": 3600, "token_type": "bearer"}


@responses.activate
def test_expired_access_token_is_refreshed_and_new_refresh_token_saved():
    conn = factories.fortnox_connection()
    responses.get(f"{API}/companyinformation", status=401, json={"message": "unauthorized"})
    responses.post(TOKEN_URL, json=token_answer(1))
    responses.get(f"{API}/companyinformation", json={"CompanyInformation": {"CompanyName": "Shop AB"}})

    assert erp_for(conn).check().name == "Shop AB"

    refresh_call = responses.calls[1].request
    assert parse_qs(refresh_call.body) == {"grant_type": ["refresh_token"], "refresh_token": ["refresh-old-0000"]}
    assert refresh_call.headers["Authorization"].startswith("Basic ")
    assert responses.calls[2].request.headers["Authorization"] == "Bearer access-new-1"
    stored = Connection.objects.get(pk=conn.pk).credentials
    assert stored["refresh_token"] == "refresh-new-1"
    assert stored["access_token"] == "access-new-1"
    assert stored["expires_at"] > time.time() + 3000


@responses.activate
def test_token_about_to_expire_is_refreshed_before_the_call():
    conn = factories.fortnox_connection(expires_in=10)
    responses.post(TOKEN_URL, json=token_answer(2))
    responses.get(f"{API}/companyinformation", json={"CompanyInformation": {}})

    erp_for(conn).check()

    assert [c.request.url for c in responses.calls] == [TOKEN_URL, f"{API}/companyinformation"]


@responses.activate
def test_second_worker_uses_the_first_workers_refresh_instead_of_burning_the_token():
    conn = factories.fortnox_connection()
    worker_a, worker_b = erp_for(conn), erp_for(conn)  # both loaded the old tokens
    responses.get(f"{API}/companyinformation", status=401, json={"message": "unauthorized"})
    responses.post(TOKEN_URL, json=token_answer(3))
    responses.get(f"{API}/companyinformation", json={"CompanyInformation": {}})
    worker_a.check()

    responses.get(f"{API}/companyinformation", status=401, json={"message": "unauthorized"})
    responses.get(f"{API}/companyinformation", json={"CompanyInformation": {}})
    worker_b.check()

    token_calls = [c for c in responses.calls if c.request.url == TOKEN_URL]
    assert len(token_calls) == 1
    assert responses.calls[-1].request.headers["Authorization"] == "Bearer access-new-3"


@responses.activate
def test_dead_refresh_token_is_an_auth_error_that_says_reauthorize():
    conn = factories.fortnox_connection()
    responses.get(f"{API}/companyinformation", status=401, json={"message": "unauthorized"})
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "Invalid refresh token"})

    with pytest.raises(SyncError) as error:
        erp_for(conn).check()
    assert error.value.code == "auth_expired"
    assert "re-authorize" in error.value.message
    assert "refresh-old-0000" not in str(error.value.request)


def test_error_information_is_read_in_both_casings():
    lower = {"ErrorInformation": {"error": 1, "message": "Ett ogiltigt filter har använts.", "code": 2000587}}
    pascal = {"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta fakturan.", "Code": 2000434}}
    assert read_error_information(lower) == (2000587, "Ett ogiltigt filter har använts.")
    assert read_error_information(pascal) == (2000434, "Kan inte hitta fakturan.")
    assert read_error_information("<html>down</html>") == (None, "")


@responses.activate
def test_missing_article_404_in_pascal_case_means_unknown_article():
    conn = factories.fortnox_connection()
    responses.get(f"{API}/articles/NOPE", status=404,
                  json={"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta artikeln.", "Code": 2000428}})
    assert erp_for(conn).article_exists("NOPE") is False


@responses.activate
def test_lost_refresh_answer_recovers_with_client_credentials_instead_of_dying():
    conn = factories.fortnox_connection()
    set_credentials(conn, tenant_id="1000001")
    responses.get(f"{API}/companyinformation", status=401, json={"message": "unauthorized"})
    responses.post(TOKEN_URL, status=504, body=b"")  # Fortnox rotated the token, but the answer is lost
    responses.post(TOKEN_URL, json={"access_token": "access-cc-1", "scope": "invoice", "expires_in": 3600,
                                    "token_type": "bearer"})
    responses.get(f"{API}/companyinformation", json={"CompanyInformation": {}})

    erp_for(conn).check()

    grant = parse_qs(responses.calls[2].request.body)
    assert grant == {"grant_type": ["client_credentials"]}
    assert responses.calls[2].request.headers["TenantId"] == "1000001"
    stored = Connection.objects.get(pk=conn.pk).credentials
    assert (stored["access_token"], stored["refresh_token"]) == ("access-cc-1", "")  # the spent one is gone


@responses.activate
def test_writes_are_sent_as_json_and_every_call_asks_for_json():
    """Fortnox refuses other body types (1000031) and other response types (1000030)."""
    client = erp_for(factories.fortnox_connection()).client
    responses.post(f"{API}/customers", status=201, json={"Customer": {"CustomerNumber": "1"}})
    responses.put(f"{API}/customers/1", json={"Customer": {"CustomerNumber": "1"}})
    responses.put(f"{API}/invoices/1/bookkeep", json={"Invoice": {"DocumentNumber": "1"}})
    responses.get(f"{API}/customers/1", json={"Customer": {"CustomerNumber": "1"}})

    client.post("customers", {"Customer": {"Name": "Kund AB"}})
    client.put("customers/1", {"Customer": {"City": "Lund"}})
    client.put("invoices/1/bookkeep")
    client.get("customers/1")

    sent = [call.request for call in responses.calls]
    assert all(request.headers["Accept"] == "application/json" for request in sent)
    assert [request.headers.get("Content-Type") for request in sent if request.body] == ["application/json"] * 2


@responses.activate
def test_revoke_sends_the_token_with_client_auth_and_keeps_it_out_of_the_journal():
    client = erp_for(factories.fortnox_connection()).client
    responses.post("https://apps.fortnox.test/oauth-v1/revoke", json={"revoked": True})

    assert client.revoke("refresh-to-drop-1234") is True

    request = responses.calls[0].request
    assert parse_qs(request.body) == {"token_type_hint": ["refresh_token"], "token": ["refresh-to-drop-1234"]}
    assert request.headers["Authorization"].startswith("Basic ")
    assert "refresh-to-drop-1234" not in str(client.journal[0].as_request())


@responses.activate
def test_customer_matching_reads_null_and_empty_fields_alike():
    """Unset Fortnox fields come back as null or "" (fortnox.md §4.4): neither is a value, neither matches."""
    erp = erp_for(factories.fortnox_connection())
    responses.get(f"{API}/customers", json={"MetaInformation": {"@TotalPages": 1}, "Customers": [
        {"CustomerNumber": "1", "Email": None, "OrganisationNumber": None},
        {"CustomerNumber": "2", "Email": "", "OrganisationNumber": ""},
        {"CustomerNumber": "3", "Email": "Anna@Example.com", "OrganisationNumber": "556677-8899"},
    ]})

    assert erp.find_customers_by_email("anna@example.com") == ["3"]
    assert erp.find_customers_by_organisation_number("5566778899") == ["3"]
    assert erp.find_customers_by_email("") == []
    assert erp.find_customers_by_organisation_number("") == []


# --- against the simulator, over HTTP -------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 1_700_000_000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def fortnox_time(monkeypatch):
    """The simulator's rate-limit window runs on a fake clock that only the client's waits move."""
    clock = FakeClock()
    fortnox_window.reset()
    monkeypatch.setattr(fortnox_window, "clock", clock)
    yield clock
    fortnox_window.reset()


def test_burst_over_a_tiny_fortnox_limit_backs_off_without_retry_after_then_stays_under_it(world, fortnox_time):
    fortnox.create_tenant("Shop AB", rate_limit_requests=3, rate_limit_window_seconds=2)
    connection = world.integration.target
    connection.settings["rate_limit"] = {"requests": 3, "per_seconds": 2}
    connection.save(update_fields=["settings"])
    retry_waits = []

    def sleep(seconds):
        retry_waits.append(seconds)
        fortnox_time.sleep(seconds)

    shared = DatabaseSlidingWindow(clock=fortnox_time, sleep=fortnox_time.sleep, margin=0)
    erp = erp_for(connection, limiter=shared, sleep=sleep)
    answers = []  # (fake time, response) of every attempt the client made
    erp.client.session.hooks["response"].append(lambda response, **_: answers.append((fortnox_time.now, response)))
    # Someone outside our limiter (another installation of the app) has just used the tenant's window.
    bearer = {"Authorization": f"Bearer {connection.credentials['access_token']}"}
    for _ in range(3):
        assert requests.get(f"{connection.base_url}/3/companyinformation", headers=bearer, timeout=10).ok

    companies = [erp.check() for _ in range(6)]

    assert all(company.tenant_id == str(world.tenant.database_number) for company in companies)
    statuses = [response.status_code for _, response in answers]
    assert statuses == [429] * 3 + [200] * 6  # refused only until the window slid, never again after
    assert not any("Retry-After" in response.headers for _, response in answers)
    policy = RetryPolicy()
    for attempt, wait in enumerate(retry_waits, start=1):
        assert policy.step(attempt) / 2 <= wait <= policy.step(attempt)
    for attempt in range(1, 4):  # the next attempt came no sooner than the backoff allowed
        assert answers[attempt][0] >= answers[attempt - 1][0] + retry_waits[attempt - 1]
    assert erp.journal[0].attempts == 4


@pytest.mark.parametrize("tenant_id_known", [False, True], ids=["refresh-only", "with-client-credentials"])
def test_withdrawn_consent_is_auth_expired_telling_the_shop_to_reauthorize(world, tenant_id_known):
    connection = world.integration.target
    if tenant_id_known:
        set_credentials(connection, tenant_id=str(world.tenant.database_number))
    fortnox.withdraw_consent(world.tenant, world.app)

    with pytest.raises(SyncError) as error:
        erp_for(refreshed(connection)).check()

    assert error.value.code == "auth_expired"
    assert "re-authorize" in error.value.message


def test_a_new_service_consent_lets_a_connection_with_its_tenant_id_recover_by_itself(world):
    connection = world.integration.target
    set_credentials(connection, tenant_id=str(world.tenant.database_number))
    fortnox.withdraw_consent(world.tenant, world.app)
    with pytest.raises(SyncError):
        erp_for(refreshed(connection)).check()

    fortnox.grant_consent(world.tenant, world.app, service_account=True)
    company = erp_for(refreshed(connection)).check()

    assert company.tenant_id == str(world.tenant.database_number)
    assert refreshed(connection).credentials["access_token"] != connection.credentials["access_token"]


def test_revoked_refresh_token_cannot_bring_the_connection_back(world):
    connection = world.integration.target

    assert erp_for(connection).client.revoke(connection.credentials["refresh_token"]) is True
    fortnox.expire_access_tokens(world.tenant)

    with pytest.raises(SyncError) as error:
        erp_for(refreshed(connection)).check()
    assert error.value.code == "auth_expired"
