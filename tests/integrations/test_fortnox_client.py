"""Fortnox OAuth: tokens refresh once, the new refresh token is saved first; errors in two casings."""

import time
from urllib.parse import parse_qs

import pytest
import responses

from integrations.connections import erp_for, set_credentials
from integrations.connectors.fortnox.client import read_error_information
from integrations.errors import SyncError
from integrations.models import Connection
from tests import factories

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

    assert erp_for(conn).check()["CompanyInformation"]["CompanyName"] == "Shop AB"

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
