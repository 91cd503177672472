"""A small Centra shop and Fortnox tenant in the sandbox, reached over real HTTP (live_server)."""

import time
from dataclasses import dataclass
from decimal import Decimal

import pytest

from integrations.connections import set_credentials
from integrations.models import Connection, Flow, Integration
from sandbox import faults
from sandbox.centra import services as centra
from sandbox.fortnox import services as fortnox
from tests import factories

FAST = {"rate_limit": {"requests": 10_000, "per_seconds": 1}}


@dataclass
class World:
    """The shop's two systems and Junipeer's integration between them."""

    store: object
    tenant: object
    app: object
    integration: Integration

    @property
    def flow(self) -> Flow:
        return self.integration.flows.get(kind=Flow.Kind.ORDERS)

    def order(self, *lines, email="anna.berg@example.com", currency="SEK", shipping="0", voucher="0",
              country="SE", **kwargs):
        """Place an order; each line is (sku, quantity, price[, original price[, vat]])."""
        specs = []
        for sku, quantity, price, *rest in lines:
            original = rest[0] if rest else price
            vat = rest[1] if len(rest) > 1 else 25
            specs.append({"sku": sku, "quantity": quantity, "unit_price": Decimal(price),
                          "original_price": Decimal(original), "tax_percent": Decimal(vat)})
        billing = {"firstName": "Anna", "lastName": "Berg", "address1": "Storgatan 1", "city": "Stockholm",
                   "zipCode": "11122", "country": country, "email": email}
        billing.update(kwargs.pop("billing", {}))
        return centra.create_order(
            self.store, email=email, lines=specs, currency=currency, country_code=country,
            shipping=Decimal(shipping), voucher_discount=Decimal(voucher), billing_address=billing, **kwargs,
        )

    def ship(self, order, lines=None, **kwargs):
        return centra.create_shipment(order, lines, **kwargs)

    def invoices(self):
        return fortnox.invoices(self.tenant)

    def customers(self):
        return fortnox.customers(self.tenant)


@pytest.fixture
def world(live_server, transactional_db):
    # The simulator's query-cost heuristic is stricter than Centra's numbers; tests are not about it.
    unlimited = {"TEN_SECONDS": 10**9, "ONE_HOUR": 10**9}
    store = centra.create_store("shop", name="Shop", plan="enterprise", rate_limit_overrides={
        "REQUEST_COUNT": unlimited, "QUERY_COMPLEXITY": unlimited, "MUTATION_COUNT": unlimited,
    })
    for number, name in [("COAT", "Wool Coat"), ("SCARF", "Wool Scarf"), ("SHIRT", "Linen Shirt"),
                         ("SOCK", "Wool Socks")]:
        centra.create_product(store, number, name)
    tenant = fortnox.create_tenant("Shop AB", rate_limit_requests=10_000)
    app = fortnox.create_app("client-id", "client-secret-value")
    for number in ("COAT", "SCARF", "SHIRT"):  # no SOCK article: its lines are unknown SKUs
        fortnox.create_article(tenant, number, number.title())
    tokens = fortnox.issue_tokens(tenant, app)

    source = factories.centra_connection(base_url=f"{live_server.url}/sandbox/centra/shop",
                                         api_token=store.api_token, **FAST)
    target = factories.fortnox_connection(
        base_url=f"{live_server.url}/sandbox/fortnox", auth_url=f"{live_server.url}/sandbox/fortnox",
        access_token=tokens["access_token"], refresh_token=tokens["refresh_token"], **FAST,
    )
    set_credentials(target, client_id="client-id", client_secret="client-secret-value",
                    expires_at=time.time() + 3600)
    yield World(store, tenant, app, factories.integration(source, target, slug="shop"))
    faults.clear_faults()


def refreshed(connection: Connection) -> Connection:
    return Connection.objects.get(pk=connection.pk)
