"""A customer withdraws an app's consent in Fortnox: every token of that grant stops working, over
every way a client gets in, until the customer consents again. Driven over HTTP through the
`/sandbox/faults/fortnox/consents/<tenant>/<client_id>` knob."""

import json
from urllib.parse import quote

import pytest

from sandbox.fortnox import services as fortnox

from .conftest import FortnoxApi
from .test_fortnox_oauth import REDIRECT, authorize, query, token_call


def consent_url(tenant, client_id="fortnox-test-client"):
    return f"/sandbox/faults/fortnox/consents/{quote(str(tenant))}/{client_id}"


def withdraw(client, tenant):
    response = client.delete(consent_url(tenant.name))
    assert response.status_code == 200, response.content
    return response.json()


def client_credentials(client, tenant):
    return token_call(client, headers={"TenantId": str(tenant.database_number)}, grant_type="client_credentials")


def test_withdrawn_consent_refuses_every_access_token_of_the_grant(client, fortnox_app, fortnox_tenant):
    apis = [FortnoxApi(client, fortnox.issue_tokens(fortnox_tenant, fortnox_app)["access_token"]) for _ in range(2)]
    assert [api.get("companyinformation").status_code for api in apis] == [200, 200]

    withdraw(client, fortnox_tenant)

    for api in apis:
        response = api.get("companyinformation")
        assert (response.status_code, response.json()) == (401, {"message": "unauthorized"})


def test_withdrawn_consent_makes_every_refresh_invalid_grant(client, fortnox_tokens, fortnox_tenant):
    withdraw(client, fortnox_tenant)

    response = token_call(client, grant_type="refresh_token", refresh_token=fortnox_tokens["refresh_token"])

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_grant", "error_description": "Invalid refresh token"}


def test_withdrawn_consent_refuses_the_client_credentials_grant(client, fortnox_tokens, fortnox_tenant):
    """invalid_grant: the client is fine, the grant (the service consent) is gone (RFC 6749 §5.2)."""
    assert client_credentials(client, fortnox_tenant).status_code == 200

    withdraw(client, fortnox_tenant)
    response = client_credentials(client, fortnox_tenant)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_an_authorization_code_from_before_the_withdrawal_is_dead(client, fortnox_app, fortnox_tenant):
    code = query(authorize(client, fortnox_tenant))["code"]

    withdraw(client, fortnox_tenant)
    response = token_call(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_other_tenants_and_other_apps_keep_their_grants(client, fortnox_app, fortnox_tenant):
    other_tenant = fortnox.create_tenant("Other AB")
    other_app = fortnox.create_app("other-client", "other-secret")
    same_tenant_other_app = FortnoxApi(client, fortnox.issue_tokens(fortnox_tenant, other_app)["access_token"])
    other_tenant_same_app = FortnoxApi(client, fortnox.issue_tokens(other_tenant, fortnox_app)["access_token"])

    withdraw(client, fortnox_tenant)

    assert same_tenant_other_app.get("companyinformation").status_code == 200
    assert other_tenant_same_app.get("companyinformation").status_code == 200


def test_consenting_again_with_the_authorization_code_flow_gives_new_working_tokens(
        client, fortnox_tokens, fortnox_tenant):
    withdraw(client, fortnox_tenant)

    code = query(authorize(client, fortnox_tenant))["code"]
    fresh = token_call(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT).json()

    assert FortnoxApi(client, fresh["access_token"]).get("customers").status_code == 200
    assert token_call(client, grant_type="refresh_token", refresh_token=fresh["refresh_token"]).status_code == 200
    assert FortnoxApi(client, fortnox_tokens["access_token"]).get("customers").status_code == 401


def test_consenting_again_through_the_knob_restores_client_credentials(client, fortnox_tokens, fortnox_tenant):
    withdraw(client, fortnox_tenant)

    response = client.put(consent_url(fortnox_tenant.database_number),
                          data=json.dumps({"scope": "customer companyinformation", "service_account": True}),
                          content_type="application/json")

    assert response.json()["consented"] is True
    granted = client_credentials(client, fortnox_tenant)
    assert granted.status_code == 200
    assert granted.json()["scope"] == "companyinformation customer"
    assert FortnoxApi(client, granted.json()["access_token"]).get("companyinformation").status_code == 200


def test_knob_shows_the_consent_before_and_after_withdrawal(client, fortnox_tokens, fortnox_tenant):
    before = client.get(consent_url(fortnox_tenant.name)).json()

    after = withdraw(client, fortnox_tenant)

    assert (before["consented"], before["service_account"]) == (True, True)
    assert before["tenant_id"] == fortnox_tenant.database_number
    assert (after["consented"], after["scope"]) == (False, "")


def test_withdraw_service_function_says_whether_there_was_a_consent(fortnox_tokens, fortnox_tenant, fortnox_app):
    assert fortnox.withdraw_consent(fortnox_tenant, fortnox_app) is True
    assert fortnox.withdraw_consent(fortnox_tenant, fortnox_app) is False


def test_grant_consent_service_function_restores_access(client, fortnox_tokens, fortnox_tenant, fortnox_app):
    fortnox.withdraw_consent(fortnox_tenant, fortnox_app)

    fortnox.grant_consent(fortnox_tenant, fortnox_app)

    assert client_credentials(client, fortnox_tenant).status_code == 200


@pytest.mark.parametrize(("tenant", "client_id"), [("Nobody AB", "fortnox-test-client"),
                                                   ("Fortnox Test AB", "nobody")])
def test_knob_answers_404_for_an_unknown_tenant_or_app(client, fortnox_tokens, tenant, client_id):
    assert client.delete(consent_url(tenant, client_id)).status_code == 404


@pytest.mark.parametrize("body", ['{"scope": "customer", "colour": "red"}', "not json", "[]"])
def test_knob_refuses_a_body_it_does_not_understand(client, fortnox_tokens, fortnox_tenant, body):
    response = client.put(consent_url(fortnox_tenant.name), data=body, content_type="application/json")

    assert response.status_code == 400
