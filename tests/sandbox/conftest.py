import json
from decimal import Decimal

import pytest

from sandbox.centra import ratelimit
from sandbox.centra import services as centra
from sandbox.fortnox import customers as fortnox_customers
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.ratelimit import limiter as fortnox_limiter


@pytest.fixture(autouse=True)
def centra_fresh_rate_limits():
    """Centra's buckets live in process memory; every test starts with them empty."""
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def centra_store(db):
    """A Swedish DTC tenant with a coat in two sizes and a scarf without variant/size numbers or EAN."""
    store = centra.create_store("acme", name="Acme", token="centra-test-token")
    centra.create_market(store, "Sweden", country_codes=("SE",), currency="SEK")
    centra.create_market(store, "Norway", country_codes=("NO",), currency="NOK")
    centra.create_warehouse(store, "Main")
    centra.create_product(store, "WC100", "Wool Coat", variants=[{
        "variant_number": "CAM", "name": "Camel",
        "sizes": [{"name": "38", "size_number": "38", "ean": "7350012345678"},
                  {"name": "40", "size_number": "40", "ean": "7350012345685"}],
    }])
    centra.create_product(store, "WS200", "Wool Scarf", variants=[{
        "variant_number": "", "name": "Grey", "sizes": [{"name": "One Size", "size_number": ""}],
    }])
    return store


@pytest.fixture
def centra_customer(centra_store):
    return centra.create_customer(centra_store, "anna.berg@example.com", "Anna", "Berg", phone_number="+46701234567")


@pytest.fixture
def centra_order(centra_store, centra_customer):
    """The §7.1 order: coat 1350 (was 1500) + scarf 149 + shipping 49 = 1548 SEK."""
    return centra.create_order(
        centra_store, customer=centra_customer, shipping=Decimal("49"),
        lines=[
            {"sku": "WC100CAM38", "quantity": 1, "unit_price": Decimal("1350"), "original_price": Decimal("1500"),
             "tax_percent": Decimal("25")},
            {"sku": "WS200", "quantity": 1, "unit_price": Decimal("149"), "tax_percent": Decimal("25")},
        ],
    )


@pytest.fixture
def centra_gql(client):
    """POST a GraphQL request to a simulated store; returns the Django test response."""

    def post(store, query, variables=None, *, token=None, operation_name=None, **headers):
        body = {"query": query, "variables": variables or {}}
        if operation_name:
            body["operationName"] = operation_name
        if "HTTP_AUTHORIZATION" not in headers and "no_auth" not in headers:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token or store.api_token}"
        headers.pop("no_auth", None)
        return client.post(f"/sandbox/centra/{store.slug}/graphql", data=json.dumps(body),
                           content_type="application/json", **headers)

    return post


# --- Fortnox -------------------------------------------------------------------------------------


class FortnoxApi:
    """Calls the simulated Fortnox /3/ with a bearer token through the Django test client."""

    prefix = "/sandbox/fortnox/3/"

    def __init__(self, client, token):
        self.client = client
        self.token = token

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    @staticmethod
    def _body(body):
        return body if isinstance(body, str | bytes) else json.dumps(body)

    def get(self, path, **params):
        return self.client.get(self.prefix + path, params, **self._headers())

    def post(self, path, body):
        return self.client.post(self.prefix + path, data=self._body(body), content_type="application/json",
                                **self._headers())

    def put(self, path, body=None):
        data = "" if body is None else self._body(body)
        return self.client.put(self.prefix + path, data=data, content_type="application/json", **self._headers())

    def delete(self, path):
        return self.client.delete(self.prefix + path, **self._headers())


@pytest.fixture(autouse=True)
def fortnox_fresh_rate_limits():
    """Fortnox's sliding windows live in process memory; every test starts with them empty."""
    fortnox_limiter.reset()
    yield
    fortnox_limiter.reset()


@pytest.fixture
def fortnox_app(db):
    return fortnox.create_app("fortnox-test-client", "fortnox-test-secret")


@pytest.fixture
def fortnox_tenant(db):
    return fortnox.create_tenant("Fortnox Test AB", database_number=424242, organisation_number="556677-8899")


@pytest.fixture
def fortnox_tokens(fortnox_tenant, fortnox_app):
    return fortnox.issue_tokens(fortnox_tenant, fortnox_app)


@pytest.fixture
def fortnox_api(client, fortnox_tokens):
    return FortnoxApi(client, fortnox_tokens["access_token"])


@pytest.fixture
def fortnox_api_for(client, fortnox_app):
    """An API client for another tenant: `fortnox_api_for(tenant)`."""

    def make(tenant):
        return FortnoxApi(client, fortnox.issue_tokens(tenant, fortnox_app)["access_token"])

    return make


@pytest.fixture
def fortnox_customer(fortnox_tenant):
    """Customer "1", a Swedish company."""
    return fortnox_customers.create(fortnox_tenant, {
        "Name": "Kund AB", "Email": "faktura@kund.example", "OrganisationNumber": "556000-0001",
        "Address1": "Storgatan 1", "ZipCode": "111 22", "City": "Stockholm", "CountryCode": "SE",
    })


@pytest.fixture
def fortnox_article(fortnox_tenant):
    return fortnox.create_article(fortnox_tenant, "WC100-CAM-38", "Wool Coat Camel 38", ean="7350012345678",
                                  quantity_in_stock=10, sales_price=1000)
