"""Get Started steps 1-2 against the sandbox over HTTP: each failure kind gets its own message."""

from urllib.parse import parse_qs, urlsplit

import requests
from django.urls import reverse

from integrations.models import Connection
from onboarding.models import Wizard

from .fixtures import make_owner

CENTRA = reverse("onboarding:wizard-centra")


def _owner(client):
    user, organization = make_owner()
    client.force_login(user)
    return organization


def test_centra_step_saves_a_working_address_and_token_and_never_shows_the_token(client, sandbox):
    organization = _owner(client)
    answer = client.post(CENTRA, {"base_url": sandbox.centra_url, "api_token": sandbox.store.api_token})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("onboarding:wizard-erp")
    connection = Connection.objects.get(organization=organization, kind="centra")
    assert connection.credentials["api_token"] == sandbox.store.api_token
    assert Wizard.objects.get(organization=organization).done == ["centra"]
    page = client.get(CENTRA).content.decode()
    assert sandbox.store.api_token not in page
    assert "A token is saved (not shown)" in page


def test_centra_step_names_a_rejected_token_and_keeps_what_was_typed(client, sandbox):
    _owner(client)
    answer = client.post(CENTRA, {"base_url": sandbox.centra_url, "api_token": "not-a-real-token"})
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Centra refused this API token" in page
    assert sandbox.centra_url in page  # nothing typed is lost (the token is write-only by design)


def test_centra_step_names_an_address_that_is_not_centra(client, sandbox):
    _owner(client)
    answer = client.post(CENTRA, {"base_url": f"{sandbox.url}/sandbox/centra/no-such-store",
                                  "api_token": sandbox.store.api_token})
    assert answer.status_code == 400
    assert "not as Centra&#x27;s Integration API does" in answer.content.decode()


def test_centra_step_names_an_unreachable_host(client, sandbox):
    _owner(client)
    answer = client.post(CENTRA, {"base_url": "http://127.0.0.1:9", "api_token": "x"})
    assert answer.status_code == 400
    assert "Nothing answered at http://127.0.0.1:9" in answer.content.decode()


def test_centra_step_names_each_permission_the_chosen_flows_lack(client, sandbox):
    _owner(client)
    token = sandbox.token_with("Order:read", "Shipment:read", "Market:read", "Customer:read")
    answer = client.post(CENTRA, {"base_url": sandbox.centra_url, "api_token": token})
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "The token lacks the Return:read permission" in page
    assert "Order:read permission" not in page


def _connected_centra(client, sandbox):
    organization = _owner(client)
    answer = client.post(CENTRA, {"base_url": sandbox.centra_url, "api_token": sandbox.store.api_token})
    assert answer.status_code == 302
    return organization


def _consent(client, sandbox, **choice):
    """Press Connect, let the sandbox's consent page answer as the person would, follow the redirect back."""
    off = client.post(reverse("onboarding:wizard-erp-connect"), {"kind": "fortnox"})
    assert off.status_code == 302
    consent_url = off["Location"]
    query = parse_qs(urlsplit(consent_url).query)
    assert query["access_type"] == ["offline"]
    assert "invoice" in query["scope"][0].split()
    assert query["state"][0]
    back = requests.get(consent_url, params=choice, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    return back.headers["Location"]


def test_fortnox_step_connects_with_oauth_and_shows_the_company_reached(client, sandbox):
    organization = _connected_centra(client, sandbox)
    callback = _consent(client, sandbox, tenant=sandbox.tenant.name)
    answer = client.get(callback.replace(sandbox.url, ""))
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "Wizard Shop AB" in page
    target = Connection.objects.get(organization=organization, kind="fortnox")
    assert target.credentials["access_token"]
    assert target.credentials["refresh_token"]
    wizard = Wizard.objects.get(organization=organization)
    assert wizard.done == ["centra", "erp"]
    assert wizard.integration.source.kind == "centra"
    assert wizard.integration.target == target


def test_fortnox_step_explains_refused_consent(client, sandbox):
    _connected_centra(client, sandbox)
    callback = _consent(client, sandbox, deny="1")
    page = client.get(callback.replace(sandbox.url, ""), follow=True).content.decode()
    assert "did not give access (access_denied" in page
    assert "Connect again" in page


def test_fortnox_step_refuses_an_answer_with_a_bad_state(client, sandbox):
    _connected_centra(client, sandbox)
    page = client.get(reverse("onboarding:wizard-erp-callback"), {"code": "x", "state": "forged"},
                      follow=True).content.decode()
    assert "does not match a reconnect started in this session" in page


def test_fortnox_step_explains_an_expired_code(client, sandbox):
    organization = _connected_centra(client, sandbox)
    callback = _consent(client, sandbox, tenant=sandbox.tenant.name)
    query = parse_qs(urlsplit(callback).query)
    answer = client.get(reverse("onboarding:wizard-erp-callback"),
                        {"code": "expired-or-unknown-code", "state": query["state"][0]}, follow=True)
    assert "refused the authorization code" in answer.content.decode()
    assert "erp" not in Wizard.objects.get(organization=organization).done
