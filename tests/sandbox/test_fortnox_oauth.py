"""OAuth2 of the Fortnox simulator: codes, rotation of refresh tokens, client credentials, 401s."""

import base64
import datetime as dt
import json
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.utils import timezone

from sandbox.fortnox import services as fortnox
from sandbox.fortnox.models import AuthorizationCode

from .conftest import FortnoxApi

TOKEN_URL = "/sandbox/fortnox/oauth-v1/token"
AUTH_URL = "/sandbox/fortnox/oauth-v1/auth"
REDIRECT = "https://app.example/callback"


def basic(client_id="fortnox-test-client", secret="fortnox-test-secret"):
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_call(client, authorization=None, headers=None, **form):
    return client.post(TOKEN_URL, form, HTTP_AUTHORIZATION=authorization or basic(), headers=headers or {})


def authorize(client, tenant, **overrides):
    params = {"client_id": "fortnox-test-client", "response_type": "code", "state": "xyz",
              "scope": "customer invoice", "redirect_uri": REDIRECT, "access_type": "offline",
              "tenant": getattr(tenant, "name", tenant), **overrides}  # a tenant, or the text typed
    return client.get(AUTH_URL, params)


def query(response):
    return {key: values[0] for key, values in parse_qs(urlparse(response["Location"]).query).items()}


def test_auth_redirects_back_with_code_and_state(client, fortnox_app, fortnox_tenant):
    response = authorize(client, fortnox_tenant)

    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT + "?")
    assert query(response)["state"] == "xyz"
    assert query(response)["code"]


def test_auth_needs_state(client, fortnox_app, fortnox_tenant):
    response = authorize(client, fortnox_tenant, state="")

    assert query(response)["error"] == "invalid_request"


def test_auth_without_a_company_shows_the_consent_screen_with_the_companies(client, fortnox_app, fortnox_tenant):
    response = authorize(client, "")

    assert response.status_code == 200
    page = response.content.decode()
    assert fortnox_tenant.name in page
    assert 'name="state" value="xyz"' in page  # approving sends the same request back with a company
    assert "Approve" in page
    assert "Deny" in page


def test_denying_on_the_consent_screen_answers_access_denied(client, fortnox_app, fortnox_tenant):
    response = authorize(client, fortnox_tenant, deny="1")

    assert response.status_code == 302
    assert query(response)["error"] == "access_denied"
    assert query(response)["state"] == "xyz"


def test_auth_for_an_unknown_company_answers_access_denied(client, fortnox_app, fortnox_tenant):
    response = authorize(client, "No Such AB")

    assert query(response)["error"] == "access_denied"


def test_auth_with_unknown_client_is_refused_without_redirect(client, fortnox_tenant):
    response = authorize(client, fortnox_tenant, client_id="nobody")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


def test_code_exchange_answers_with_exactly_the_five_token_fields(client, fortnox_app, fortnox_tenant):
    code = query(authorize(client, fortnox_tenant))["code"]

    response = token_call(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "scope", "expires_in", "token_type"}
    assert body["expires_in"] == 3600
    assert body["token_type"] == "bearer"
    assert body["scope"] == "customer invoice"
    assert response["Cache-Control"] == "no-store"


def test_access_token_is_a_jwt_carrying_the_tenant_id(client, fortnox_app, fortnox_tenant):
    token = fortnox.issue_tokens(fortnox_tenant, fortnox_app)["access_token"]

    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))

    assert claims["tenantId"] == fortnox_tenant.database_number


def test_authorization_code_works_only_once(client, fortnox_app, fortnox_tenant):
    code = query(authorize(client, fortnox_tenant))["code"]
    assert token_call(client, grant_type="authorization_code", code=code).status_code == 200

    again = token_call(client, grant_type="authorization_code", code=code)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_authorization_code_expires_after_10_minutes(client, fortnox_app, fortnox_tenant):
    code = query(authorize(client, fortnox_tenant))["code"]
    AuthorizationCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    response = token_call(client, grant_type="authorization_code", code=code)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_refresh_token_works_only_once(client, fortnox_tokens):
    first = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])
    assert first.status_code == 200
    assert first.json()["refresh_token"] != fortnox_tokens["refresh_token"]

    second = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])

    assert second.status_code == 400
    assert second.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}


def test_rotated_refresh_token_keeps_working(client, fortnox_tokens):
    rotated = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"]).json()

    again = token_call(client, grant_type="refresh_token", refresh_token=rotated["refresh_token"])

    assert again.status_code == 200


def test_refresh_token_of_another_client_is_invalid(client, fortnox_tokens):
    fortnox.create_app("other-client", "other-secret")

    response = token_call(client, basic("other-client", "other-secret"), grant_type="refresh_token",
                          refresh_token=fortnox_tokens["refresh_token"])

    assert response.status_code == 400


@pytest.mark.parametrize("authorization", [basic(secret="wrong"), basic(client_id="nobody"), "Bearer x", ""])
def test_bad_client_credentials_get_401_invalid_client(client, fortnox_tokens, authorization):
    response = client.post(TOKEN_URL, {"grant_type": "refresh_token", "refresh_token": "x"},
                           HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client", "error_description": "The client credentials are invalid"}


def test_client_credentials_with_tenant_id_header(client, fortnox_tokens, fortnox_tenant):
    response = token_call(client, headers={"TenantId": str(fortnox_tenant.database_number)},
                          grant_type="client_credentials")

    assert response.status_code == 200
    assert "refresh_token" not in response.json()
    assert FortnoxApi(client, response.json()["access_token"]).get("companyinformation").status_code == 200


def test_client_credentials_without_service_consent_is_refused(client, fortnox_app):
    tenant = fortnox.create_tenant("No Consent AB")

    response = token_call(client, headers={"TenantId": str(tenant.database_number)}, grant_type="client_credentials")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_unknown_grant_type_is_refused(client, fortnox_app):
    assert token_call(client, grant_type="password").json()["error"] == "unsupported_grant_type"


def test_expired_access_token_gets_401_unauthorized(client, fortnox_api, fortnox_tenant):
    assert fortnox_api.get("companyinformation").status_code == 200

    fortnox.expire_access_tokens(fortnox_tenant)
    response = fortnox_api.get("companyinformation")

    assert response.status_code == 401
    assert response.json() == {"message": "unauthorized"}


def test_access_token_expires_after_the_tenant_ttl(client, fortnox_app):
    tenant = fortnox.create_tenant("Short Lived AB", access_token_ttl=60)
    tokens = fortnox.issue_tokens(tenant, fortnox_app)

    assert tokens["expires_in"] == 60
    token = tenant.access_tokens.get()
    assert (token.expires_at - token.created_at).total_seconds() == pytest.approx(60, abs=1)


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_missing_or_unknown_bearer_token_gets_401(client, fortnox_tokens, token):
    response = FortnoxApi(client, token).get("customers")

    assert response.status_code == 401
    assert response.json() == {"message": "unauthorized"}


def test_token_missing_the_scope_gets_403(client, fortnox_app, fortnox_tenant):
    tokens = fortnox.issue_tokens(fortnox_tenant, fortnox_app, scope="customer")
    api = FortnoxApi(client, tokens["access_token"])

    assert api.get("customers").status_code == 200
    assert api.get("invoices").status_code == 403


def test_api_and_token_endpoint_need_no_csrf_token(fortnox_tokens, fortnox_customer):
    strict = Client(enforce_csrf_checks=True)

    refreshed = token_call(strict, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])
    created = FortnoxApi(strict, refreshed.json()["access_token"]).post("customers", {"Customer": {"Name": "X"}})

    assert refreshed.status_code == 200
    assert created.status_code == 201


# --- /oauth-v1/revoke (fortnox.md §1.1) -----------------------------------------------------------

REVOKE_URL = "/sandbox/fortnox/oauth-v1/revoke"


def revoke_call(client, token, authorization=None, **form):
    return client.post(REVOKE_URL, {"token": token, **form}, HTTP_AUTHORIZATION=authorization or basic())


def test_revoked_refresh_token_can_no_longer_refresh(client, fortnox_tokens):
    response = revoke_call(client, fortnox_tokens["refresh_token"], token_type_hint="refresh_token")

    assert (response.status_code, response.json()) == (200, {"revoked": True})
    refresh = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])
    assert refresh.status_code == 400
    assert refresh.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}


def test_revoked_access_token_gets_401_unauthorized(client, fortnox_api, fortnox_tokens):
    assert fortnox_api.get("companyinformation").status_code == 200

    assert revoke_call(client, fortnox_tokens["access_token"]).json() == {"revoked": True}

    response = fortnox_api.get("companyinformation")
    assert (response.status_code, response.json()) == (401, {"message": "unauthorized"})


def test_revoking_the_access_token_leaves_the_refresh_token_usable(client, fortnox_tokens):
    """SIMULATED: whether Fortnox revokes the whole grant with one token is unknown; one token here."""
    revoke_call(client, fortnox_tokens["access_token"])

    refresh = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])

    assert refresh.status_code == 200
    assert FortnoxApi(client, refresh.json()["access_token"]).get("companyinformation").status_code == 200


def test_revoking_a_made_up_token_still_answers_revoked_true(client, fortnox_tokens):
    response = revoke_call(client, "not-a-token-we-ever-issued")

    assert (response.status_code, response.json()) == (200, {"revoked": True})


def test_an_app_cannot_revoke_another_apps_token(client, fortnox_api, fortnox_tokens):
    fortnox.create_app("other-client", "other-secret")

    answer = revoke_call(client, fortnox_tokens["access_token"], basic("other-client", "other-secret"))

    assert answer.json() == {"revoked": True}
    assert fortnox_api.get("companyinformation").status_code == 200


def test_revoke_needs_the_client_credentials(client, fortnox_api, fortnox_tokens):
    response = revoke_call(client, fortnox_tokens["access_token"], basic(secret="wrong"))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert fortnox_api.get("companyinformation").status_code == 200


def test_revoke_without_a_token_is_invalid_request(client, fortnox_app):
    response = client.post(REVOKE_URL, {}, HTTP_AUTHORIZATION=basic())

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
