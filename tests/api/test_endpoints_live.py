"""The endpoints that talk to Centra and Fortnox, on their success paths, against the sandbox's
simulators over real HTTP (live_server): connections checked live, Fortnox's consent link followed,
export one, export many (backfill), the ERP's bookkeeping defaults."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from integrations.models import Connection, Integration, Partner
from tests.integrations.conftest import world  # noqa: F401  (the sandbox shop, over live_server)

from .conftest import key_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def partner_api(world):  # noqa: F811
    """A read-write key of the partner looking after the sandbox shop."""
    organization = world.integration.organization
    organization.partner = Partner.objects.create(name="Agency", slug="agency")
    organization.save()
    return key_client(organization.partner)[0]


def test_centra_connections_are_created_and_changed_only_with_credentials_centra_accepts(
        world, partner_api):  # noqa: F811
    source = world.integration.source
    body = {"organization": "shop", "name": "Centra EU", "kind": "centra", "base_url": source.base_url}

    refused = partner_api.post("/api/v1/connections/", {**body, "credentials": {"api_token": "wrong"}}, format="json")
    created = partner_api.post("/api/v1/connections/", {**body, "credentials": {"api_token": world.store.api_token}},
                               format="json")
    bad_change = partner_api.patch(f"/api/v1/connections/{source.pk}/", {"credentials": {"api_token": "wrong"}},
                                   format="json")
    renamed = partner_api.patch(f"/api/v1/connections/{source.pk}/", {
        "name": "Centra SE", "credentials": {"api_token": world.store.api_token}}, format="json")
    checked = partner_api.post(f"/api/v1/connections/{source.pk}/check/")

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "connection_refused"
    assert (created.status_code, created.json()["health"], created.json()["credentials_set"]) == (
        201, "healthy", ["api_token"])
    assert "api_token" not in created.json()  # write-only
    assert created.json()["last_checked_at"]  # the live check it passed
    assert bad_change.status_code == 400
    assert Connection.objects.get(pk=source.pk).credentials["api_token"] == world.store.api_token  # kept
    assert (renamed.status_code, renamed.json()["name"], renamed.json()["health"]) == (200, "Centra SE", "healthy")
    assert checked.json() == {"healthy": True, "message": "OK"}


def test_fortnox_is_connected_by_following_the_consent_link_the_api_returns(world, partner_api, settings,  # noqa: F811
                                                                           live_server):
    settings.SITE_URL = live_server.url  # where Fortnox sends the approving browser back
    target = world.integration.target
    Connection.objects.filter(pk=target.pk).update(health="unknown", credentials={
        "client_id": "client-id", "client_secret": "client-secret-value"})

    link = partner_api.post(f"/api/v1/connections/{target.pk}/oauth/").json()
    page = requests.get(link["url"], timeout=30)  # the consent page the owner sees
    approved = requests.get(f"{link['url']}&tenant={world.tenant.name}", timeout=30)  # the owner approves

    assert link["url"].startswith(f"{live_server.url}/sandbox/fortnox/oauth-v1/auth?")
    assert link["expires_in"] == 600
    assert page.status_code == 200
    assert (approved.status_code, approved.url.split("?")[0]) == (200, f"{live_server.url}/api/v1/oauth/callback/")
    assert "Connected" in approved.text
    connected = partner_api.get(f"/api/v1/connections/{target.pk}/").json()
    assert connected["health"] == "healthy"
    assert {"access_token", "refresh_token"} <= set(connected["credentials_set"])


def test_one_order_is_exported_and_many_from_a_date(world, partner_api):  # noqa: F811
    order = world.order(("COAT", 1, "1500"))
    world.ship(order)
    world.ship(world.order(("SCARF", 1, "300")))

    one = partner_api.post("/api/v1/integrations/shop/export/", {"reference": str(order.number)}, format="json")
    many = partner_api.post("/api/v1/integrations/shop/flows/orders/backfill/",
                            {"since": (timezone.now() - timedelta(days=1)).isoformat()}, format="json")

    assert one.status_code == 200
    assert one.json()["queued"] == 1
    assert one.json()["message"] == f"Queued shipment {order.number}-1 (invoice)."
    assert many.status_code == 202
    assert many.json()["records"] == 2


def test_bookkeeping_is_filled_from_fortnoxs_own_defaults(world, partner_api):  # noqa: F811
    Integration.objects.filter(pk=world.integration.pk).update(status=Integration.Status.DRAFT)
    url = "/api/v1/integrations/shop/bookkeeping/"
    etag = partner_api.get(url).headers["ETag"]
    partner_api.patch(url, {"freight_account": 3521}, format="json", HTTP_IF_MATCH=etag)

    answer = partner_api.post(f"{url}read-defaults/")

    assert answer.status_code == 200
    assert answer.json()["changed"] == {"freight_account": 3520}  # Fortnox's FREIGHT account
    assert partner_api.get(url).json()["freight_account"] == 3520
