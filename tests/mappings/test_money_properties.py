"""Property: whatever Centra ships and takes back, the books equal what it captured minus what it refunded.

Orders, shipments and partial returns are made by the Centra simulator's own business rules, read
back through its GraphQL API with the client's queries, mapped with the preset mappings, and posted
to the Fortnox simulator as the Fortnox adapter would, once to a tenant that rounds totals to the
öre and once to one that rounds to whole units. No row is ever a plug: the rows alone add up to
Centra's totals, and a whole-unit tenant's difference is Fortnox's own RoundOff.
"""

import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integrations.connectors.centra.client import ORDERS_QUERY, RETURNS_QUERY
from integrations.connectors.fortnox.erp import FortnoxERP
from integrations.domain.money import round_money
from mappings.centra import credit_invoice_from_return, invoice_from_shipment
from sandbox.centra import ratelimit
from sandbox.centra import services as centra
from sandbox.fortnox import customers as fortnox_customers
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.models import Account

from .centra_payloads import mapping_context

pytestmark = pytest.mark.django_db

# currency: (buyer's country, conversion rate, the VAT rates Centra charges there)
MARKETS = {
    "SEK": ("SE", 1, ["25", "12", "6"]),
    "EUR": ("FI", "11.45", ["25.5", "14", "10"]),
    "NOK": ("NO", "0.98", ["25", "15"]),  # export: booked without VAT whatever Centra charged
    "DKK": ("DK", "1.53", ["25"]),
}
OSS = {("FI", "25.5"): (3053,), ("FI", "14"): (3063,), ("FI", "10"): (3073,), ("DK", "25"): (3052,)}
ROUNDING = {"none": 2, "whole": 0}  # Fortnox tenant rounding -> bookkeeping rounding_decimals


class Rollback(Exception):
    pass


def graphql(store, query, variables):
    ratelimit.reset()
    answer = Client().post(f"/sandbox/centra/{store.slug}/graphql", {"query": query, "variables": variables},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {store.api_token}")
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


price = st.decimals(min_value="1.00", max_value="2500.00", places=2)
line = st.tuples(price, st.integers(1, 4), st.integers(0, 2), st.sampled_from([0, 10, 25]))


@pytest.mark.parametrize("rounding", sorted(ROUNDING))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    currency=st.sampled_from(sorted(MARKETS)),
    lines=st.lists(line, min_size=1, max_size=4),
    shipping=st.decimals(min_value="0", max_value="99", places=2),
    voucher_share=st.decimals(min_value="0", max_value="0.4", places=2),
    split=st.booleans(),
    returned=st.lists(st.booleans(), min_size=4, max_size=4),
    refund_shipping=st.booleans(),
    fee=st.decimals(min_value="0", max_value="50", places=2),
)
def test_invoices_minus_credits_equal_captured_minus_refunded(db, rounding, currency, lines, shipping, voucher_share,
                                                               split, returned, refund_shipping, fee):
    try:
        with transaction.atomic():
            check_books(rounding, currency, lines, shipping, voucher_share, split, returned, refund_shipping, fee)
            raise Rollback
    except Rollback:
        pass


def check_books(rounding, currency, lines, shipping, voucher_share, split, returned, refund_shipping, fee):
    store = centra.create_store("books", plan="enterprise")
    country, conversion, rates = MARKETS[currency]
    specs = []
    for index, (unit, quantity, rate_index, discount) in enumerate(lines):
        centra.create_product(store, f"P{index}", f"Product {index}")
        original = (unit * 100 / (100 - discount)).quantize(Decimal("0.01")) if discount else unit
        specs.append({"sku": f"P{index}", "quantity": quantity, "unit_price": unit, "original_price": original,
                      "tax_percent": Decimal(rates[rate_index % len(rates)])})
    goods = sum(unit * quantity for unit, quantity, _, _ in lines)
    order = centra.create_order(store, email="buyer@example.com", lines=specs, currency=currency,
                                conversion_rate=Decimal(str(conversion)), country_code=country, shipping=shipping,
                                voucher_discount=(goods * voucher_share).quantize(Decimal("0.01")))
    order_lines = list(order.lines.order_by("id"))
    batches = [order_lines[: len(order_lines) // 2 or 1], order_lines[len(order_lines) // 2 or 1:]] if split \
        else [order_lines]
    shipments = []
    for batch in filter(None, batches):
        shipment = centra.create_shipment(order, {ol: ol.quantity for ol in batch})
        centra.complete_shipment(shipment)
        shipments.append(shipment)
    returns = []
    for shipment in shipments:
        picked = {sl: 1 for sl, take in zip(shipment.lines.order_by("id"), returned, strict=False) if take}
        if picked:
            returned_goods = sum(sl.order_line.unit_price for sl in picked)
            returns.append(centra.create_return(
                shipment, picked, voucher_value=centra.FROM_SHIPMENT, return_cost=min(fee, returned_goods),
                shipping_refund=centra.FROM_SHIPMENT if refund_shipping else 0,
            ))

    context = mapping_context(oss=OSS, rounding_decimals=ROUNDING[rounding])
    [centra_order] = graphql(store, ORDERS_QUERY, {"where": {"id": [order.hash_id]}, "limit": 1, "page": 1})["orders"]
    invoices = {s["id"]: invoice_from_shipment(centra_order, s, context) for s in centra_order["shipments"]}
    centra_returns = graphql(store, RETURNS_QUERY, {"where": {"id": [r.pk for r in returns]},
                                                    "limit": 50, "page": 1})["returns"] if returns else []
    credits = [credit_invoice_from_return(r, context, "1", invoices[r["shipment"]["id"]].booking)
               for r in centra_returns]

    captured = sum(Decimal(str(s["grandTotal"]["value"])) for s in centra_order["shipments"])
    refunded = sum(Decimal(str(r["grandTotal"]["value"])) for r in centra_returns)
    event(f"{len(invoices)} invoice(s), {len(credits)} credit invoice(s), rounding {rounding}")
    assert captured == Decimal(str(centra_order["grandTotal"]["value"]))  # every shipment captured its part
    documents = [*invoices.values(), *credits]
    for document in documents:
        assert document.currency == currency
        assert {row.vat_percent for row in document.rows} <= ({Decimal(0)} if country == "NO" else
                                                              {Decimal(rate) for rate in rates})

    booked = post_to_fortnox(rounding, documents, [str(p["sku"]) for p in specs])
    centra_totals = [Decimal(str(s["grandTotal"]["value"])) for s in centra_order["shipments"]] + \
                    [-Decimal(str(r["grandTotal"]["value"])) for r in centra_returns]
    for stored, document, centra_total in zip(booked, documents, centra_totals, strict=True):
        rows = sum(Decimal(str(row["Total"])) for row in stored["InvoiceRows"])
        assert rows == document.total == centra_total  # the rows alone carry Centra's total: no plug
        assert not [row for row in stored["InvoiceRows"] if "round" in row["Description"].lower()
                    or int(row["AccountNumber"]) == 3740]
        round_off = Decimal(str(stored["RoundOff"]))
        assert Decimal(str(stored["Total"])) - round_off == centra_total
        if rounding == "none":
            assert round_off == 0
        else:
            assert Decimal(str(stored["Total"])) == round_money(centra_total, 0)
            assert abs(round_off) <= Decimal("0.50")
            event("whole-unit tenant rounded a total" if round_off else "whole-unit total needed no round-off")
    erp_books = sum(Decimal(str(stored["Total"])) - Decimal(str(stored["RoundOff"])) for stored in booked)
    assert erp_books == captured - refunded


def post_to_fortnox(rounding, documents, skus) -> list[dict]:
    """Each document as the Fortnox adapter sends it, to a simulated tenant with that rounding; what it stored."""
    tenant = fortnox.create_tenant("Books AB", rounding=rounding, rate_limit_requests=10**6)
    for (_, rate), (account,) in OSS.items():
        Account.objects.get_or_create(tenant=tenant, number=account, defaults={"description": f"OSS {rate} %",
                                                                             "vat_rate": Decimal(rate)})
    for sku in skus:
        fortnox.create_article(tenant, sku, sku)
    customer = fortnox_customers.create(tenant, {"Name": "Buyer", "Email": "buyer@example.com"})
    token = fortnox.issue_tokens(tenant, fortnox.create_app("books-client", "books-secret"))["access_token"]
    adapter = FortnoxERP(client=None)  # only shapes payloads here: nothing is sent through it
    stored = []
    for document in documents:
        answer = Client().post("/sandbox/fortnox/3/invoices",
                               json.dumps(adapter.invoice_payload(document, customer.customer_number)),
                               content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 201, answer.content
        stored.append(answer.json()["Invoice"])
    return stored
