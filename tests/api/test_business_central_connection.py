"""The partner API connects Business Central with the same environment and company as Get Started,
checked live against the simulator over HTTP, and refuses with the same words for each failure."""

import pytest

from integrations.models import Connection
from sandbox.business_central import services as bc
from sandbox.business_central.ratelimit import limits

from .conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)
TENANT = "apishop.onmicrosoft.example"


@pytest.fixture
def tenant(live_server):
    limits.reset()
    production = bc.create_environment(TENANT, "production", rate_limit_requests=10**6)
    companies = [bc.create_company(production, "API SHOP", "API Shop AB"),
                 bc.create_company(production, "API OUTLET", "API Outlet AB")]
    bc.create_app("api-bc-client", "api-bc-secret", TENANT)
    return live_server.url, companies


def create(shops, url, **credentials):
    partner_user, _, _ = shops
    address = f"{url}/sandbox/business_central"
    return client_for(partner_user).post("/api/v1/connections/", {
        "organization": "ours", "name": "BC", "kind": "business_central", "base_url": address, "auth_url": address,
        "credentials": {"tenant": TENANT, "client_id": "api-bc-client", "client_secret": "api-bc-secret",
                        "environment": "production", **credentials}}, format="json")


def test_a_connection_with_its_environment_and_company_is_checked_and_kept(shops, tenant):
    url, (_, outlet) = tenant

    answer = create(shops, url, company_id=str(outlet.id))

    assert answer.status_code == 201, answer.json()
    connection = Connection.objects.get(pk=answer.json()["id"])
    assert connection.credentials["company_id"] == str(outlet.id)
    assert connection.health == Connection.Health.HEALTHY


@pytest.mark.parametrize(("credentials", "says"), [
    ({"client_secret": "wrong"}, "Microsoft Entra refused the client secret: paste the Value"),
    ({"tenant": "nosuch.onmicrosoft.example"}, "Microsoft Entra knows no tenant 'nosuch.onmicrosoft.example'"),
    ({"environment": "staging"}, f"Tenant '{TENANT}' has no Business Central environment 'staging'; it has "
                                 "production."),
    ({"company_id": "00000000-0000-0000-0000-000000000001"}, "Business Central environment 'production' has no "
                                                             "company with id '00000000-0000-0000-0000-000000000001'"),
    ({}, "Choose the Business Central company on the connection; the environment has"),
])
def test_each_refusal_has_the_wizards_words_and_nothing_is_kept(shops, tenant, credentials, says):
    url, _ = tenant

    answer = create(shops, url, **credentials)

    assert answer.status_code == 400
    assert says in answer.json()["error"]["fields"]["credentials"][0]
    assert not Connection.objects.filter(kind="business_central", name="BC").exists()


def test_an_app_business_central_does_not_let_in_says_where_to_enable_it(shops, tenant):
    url, (shop, _) = tenant
    bc.create_app("api-bc-client", "api-bc-secret", TENANT, enabled_in_bc=False)

    answer = create(shops, url, company_id=str(shop.id))

    assert answer.status_code == 400
    assert "Business Central refused the app: on Business Central's 'Microsoft Entra applications' page" in \
        answer.json()["error"]["fields"]["credentials"][0]
