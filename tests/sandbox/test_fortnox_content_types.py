"""JSON in, JSON out: the Fortnox simulator refuses other body and response types as Fortnox does
(fortnox.md §1.3: 1000031 "Invalid content type", 1000030 "Invalid response type")."""

import json

import pytest
import requests

from sandbox.fortnox import services as fortnox
from sandbox.fortnox.models import Article, Customer, Invoice, Price, PriceList

INVALID_CONTENT_TYPE = {"ErrorInformation": {"error": 1, "message": "Invalid content type", "code": 1000031}}
INVALID_RESPONSE_TYPE = {"ErrorInformation": {"error": 1, "message": "Invalid response type", "code": 1000030}}

INVOICE = {"Invoice": {"CustomerNumber": "1", "InvoiceRows": [{"Description": "Vara", "Price": 100,
                                                                "DeliveredQuantity": 1}]}}

# Every /3/ write with a body, and a body it would otherwise accept.
WRITES = [
    ("post", "customers", {"Customer": {"Name": "Ny Kund AB"}}),
    ("put", "customers/1", {"Customer": {"City": "Malmö"}}),
    ("post", "invoices", INVOICE),
    ("put", "invoices/1", {"Invoice": {"YourReference": "Anna"}}),
    ("post", "articles", {"Article": {"ArticleNumber": "NEW-1", "Description": "New"}}),
    ("put", "articles/WC100-CAM-38", {"Article": {"Description": "Renamed"}}),
    ("post", "pricelists", {"PriceList": {"Code": "B", "Description": "Retail"}}),
    ("put", "pricelists/A", {"PriceList": {"Description": "Renamed"}}),
    ("post", "prices", {"Price": {"ArticleNumber": "WC100-CAM-38", "PriceList": "A", "FromQuantity": 10,
                                  "Price": 900}}),
    ("put", "prices/A/WC100-CAM-38", {"Price": {"Price": 900}}),
]


def send(api, method, path, body, content_type):
    """A write whose body is JSON text but whose Content-Type says otherwise ("" = none)."""
    return api.client.generic(method.upper(), api.prefix + path, data=json.dumps(body), content_type=content_type,
                              **api._headers())


def snapshot(tenant):
    """Everything a write could have changed."""
    return (
        [(c.customer_number, c.data) for c in Customer.objects.filter(tenant=tenant)],
        [(i.document_number, i.data) for i in Invoice.objects.filter(tenant=tenant)],
        [(a.article_number, a.data) for a in Article.objects.filter(tenant=tenant)],
        [(p.code, p.description) for p in PriceList.objects.filter(tenant=tenant)],
        [(p.price_list_id, p.article_id, p.price) for p in Price.objects.filter(price_list__tenant=tenant)],
    )


@pytest.fixture
def fortnox_records(fortnox_api, fortnox_tenant, fortnox_customer, fortnox_article):
    """Invoice 1 for customer 1 and the article's price on list A, so every write has a target."""
    assert fortnox_api.post("invoices", INVOICE).status_code == 201
    price = {"Price": {"ArticleNumber": "WC100-CAM-38", "PriceList": "A", "Price": 1000}}
    assert fortnox_api.post("prices", price).status_code == 201
    return fortnox_tenant


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", ""])
@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_write_with_a_non_json_content_type_is_refused_with_1000031(
        fortnox_api, fortnox_records, method, path, body, content_type):
    before = snapshot(fortnox_records)

    response = send(fortnox_api, method, path, body, content_type)

    assert response.status_code == 400
    assert response.json() == INVALID_CONTENT_TYPE
    assert snapshot(fortnox_records) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_the_same_writes_pass_as_application_json_with_a_charset(fortnox_api, fortnox_records, method, path, body):
    response = send(fortnox_api, method, path, body, "application/json; charset=utf-8")

    assert response.status_code in (200, 201), response.content


def test_invoice_action_without_a_body_needs_no_content_type(fortnox_api, fortnox_records):
    response = fortnox_api.client.generic("PUT", fortnox_api.prefix + "invoices/1/bookkeep", **fortnox_api._headers())

    assert response.status_code == 200
    assert response.json()["Invoice"]["Booked"] is True


def test_body_without_any_content_type_header_over_real_http_is_refused(live_server, transactional_db):
    """`requests` sends bytes with no Content-Type at all; the test client cannot leave it out."""
    tenant = fortnox.create_tenant("Headers AB")
    token = fortnox.issue_tokens(tenant, fortnox.create_app("headers-client", "headers-secret"))["access_token"]

    response = requests.post(f"{live_server.url}/sandbox/fortnox/3/customers", data=b'{"Customer":{"Name":"X"}}',
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)

    assert "Content-Type" not in response.request.headers
    assert (response.status_code, response.json()) == (400, INVALID_CONTENT_TYPE)
    assert not Customer.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "text/plain, application/xml"])
def test_accept_that_rules_out_json_is_refused_with_1000030(fortnox_api, fortnox_customer, accept):
    response = fortnox_api.client.get(fortnox_api.prefix + "customers/1", HTTP_ACCEPT=accept, **fortnox_api._headers())

    assert response.status_code == 400
    assert response.json() == INVALID_RESPONSE_TYPE


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*", "text/html, application/json;q=0.9",
                                    "application/json; charset=utf-8"])
def test_accept_that_admits_json_is_answered(fortnox_api, fortnox_customer, accept):
    response = fortnox_api.client.get(fortnox_api.prefix + "customers/1", HTTP_ACCEPT=accept, **fortnox_api._headers())

    assert response.status_code == 200
    assert response.json()["Customer"]["CustomerNumber"] == "1"

