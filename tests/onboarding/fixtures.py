"""Shop owners signed in with the test client, and a sandbox Centra store and Fortnox company
reached over real HTTP (live_server), with Junipeer's Fortnox app configured for the wizard."""

import re
from dataclasses import dataclass

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from integrations.models import Membership
from onboarding.services import create_organization
from sandbox.centra import services as centra
from sandbox.centra.models import ApiToken
from sandbox.fortnox import services as fortnox

PASSWORD = "a-long-enough-passphrase-42"


def make_owner(email="owner@shop.example", company="Shop AB", role=Membership.Role.OWNER, organization=None):
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if organization is None:
        organization = create_organization(company, "556677-8899", email, owner=user)
    else:
        Membership.objects.create(user=user, organization=organization, role=role)
    return user, organization


@pytest.fixture
def owner_client(client, db):
    user, organization = make_owner()
    client.force_login(user)
    client.organization = organization
    return client


@dataclass
class Sandbox:
    url: str
    store: object
    tenant: object

    @property
    def centra_url(self):
        return f"{self.url}/sandbox/centra/{self.store.slug}"

    def token_with(self, *permissions):
        return ApiToken.objects.create(store=self.store, integration_name="limited",
                                       permissions=list(permissions)).token


@pytest.fixture
def sandbox(live_server, transactional_db, settings):
    unlimited = {"TEN_SECONDS": 10**9, "ONE_HOUR": 10**9}
    store = centra.create_store("wizardshop", name="Wizard Shop", plan="enterprise", rate_limit_overrides={
        "REQUEST_COUNT": unlimited, "QUERY_COMPLEXITY": unlimited, "MUTATION_COUNT": unlimited})
    tenant = fortnox.create_tenant("Wizard Shop AB", rate_limit_requests=10_000)
    fortnox.create_app("wizard-client", "wizard-client-secret")
    settings.SITE_URL = live_server.url
    settings.ERP_OAUTH_APPS = {"fortnox": {
        "client_id": "wizard-client", "client_secret": "wizard-client-secret",
        "base_url": f"{live_server.url}/sandbox/fortnox", "auth_url": f"{live_server.url}/sandbox/fortnox"}}
    return Sandbox(live_server.url, store, tenant)


@dataclass
class BCSandbox:
    """A Business Central tenant in the simulator: production with two companies, an empty sandbox
    environment, and the shop's Entra app."""

    url: str
    tenant: str
    client_id: str
    client_secret: str
    production: object
    companies: list

    @property
    def api_url(self):
        return f"{self.url}/sandbox/business_central"

    def credentials(self, **changes) -> dict:
        """The wizard's credentials form, as the owner fills it in (the simulator's addresses)."""
        return {"kind": "business_central", "step": "credentials", "tenant": self.tenant, "client_id": self.client_id,
                "client_secret": self.client_secret, "base_url": self.api_url, "auth_url": self.api_url, **changes}


@pytest.fixture
def bc_sandbox(sandbox):
    from sandbox.business_central import services as bc
    from sandbox.business_central.ratelimit import limits

    limits.reset()
    tenant = "wizardshop.onmicrosoft.example"
    production = bc.create_environment(tenant, "production", rate_limit_requests=10**6)
    bc.create_environment(tenant, "sandbox", type="Sandbox", rate_limit_requests=10**6)
    companies = [bc.create_company(production, "WIZARD SHOP", "Wizard Shop AB"),
                 bc.create_company(production, "WIZARD OUTLET", "Wizard Outlet AB")]
    bc.create_app("wizard-bc-client", "wizard-bc-secret", tenant)
    return BCSandbox(sandbox.url, tenant, "wizard-bc-client", "wizard-bc-secret", production, companies)


def link_in(text: str) -> str:
    return re.search(r"https?://\S+", text).group(0)


@dataclass
class Shop:
    """One shop's objects in the self-service area, built without HTTP: its owner, connections,
    live integration, orders flow, a failed and an invoiced record, a flow alert and a connection alert."""

    owner: object
    organization: object
    integration: object
    flow: object
    failed: object
    invoiced: object
    alert: object
    connection_alert: object

    @property
    def connection(self):
        return self.integration.target


def build_shop(slug: str, company: str, order: str, email: str) -> Shop:
    from integrations.models import Alert, SyncRecord, SyncRun
    from tests import factories

    owner, organization = make_owner(email=f"owner@{slug}.example", company=company)
    source = factories.centra_connection(organization, base_url=f"https://{slug}.centra.test")
    target = factories.fortnox_connection(organization)
    integration = factories.integration(source, target, slug=slug)
    flow = integration.flows.get()
    run = SyncRun.objects.create(flow=flow, trigger=SyncRun.Trigger.SCHEDULE, status=SyncRun.Status.PARTIAL)
    failed = SyncRecord.objects.create(
        run=run, integration=integration, object_type="invoice", source_id=f"{order}1", source_ref=f"{order}-1",
        status=SyncRecord.Status.FAILED, error_code="unknown_sku", order_number=order, customer_email=email,
        message="SKU SOCK900 has no article in Fortnox.",
        request=[{"method": "POST", "url": "https://api.fortnox.test/3/invoices",
                  "headers": {"Authorization": "Bearer secret-access-token"},
                  "body": {"Invoice": {"CustomerNumber": "17", "YourOrderNumber": order}}}],
        response=[{"status": 400, "body": {"ErrorInformation": {"message": "Artikel hittades inte", "code": 2000428}}}])
    invoiced = SyncRecord.objects.create(
        run=run, integration=integration, object_type="invoice", source_id=f"{order}2", source_ref=f"{order}-2",
        status=SyncRecord.Status.CREATED, target_id=f"{order[-3:]}7", order_number=order, customer_email=email)
    alert = Alert.objects.create(kind=Alert.Kind.RECORDS_DEAD, subject=f"flow:{flow.pk}:dead",
                                 title=f"{flow}: records out of retries", message="1 record(s) failed every retry.",
                                 flow=flow, integration=integration)
    connection_alert = Alert.objects.create(kind=Alert.Kind.CONNECTION_UNHEALTHY, subject=f"connection:{target.pk}",
                                            title=f"{target} refused our access", message="Consent withdrawn.",
                                            connection=target)
    return Shop(owner, organization, integration, flow, failed, invoiced, alert, connection_alert)
