"""Property: whatever Centra ships and takes back, the books equal what it captured minus what it refunded.

Orders, shipments and partial returns are made by the Centra simulator's own business rules, read
back through its GraphQL API with the client's queries, and mapped with the preset mappings.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integrations.connectors.centra.client import ORDERS_QUERY, RETURNS_QUERY
from mappings.centra import credit_invoice_from_return, invoice_from_shipment
from sandbox.centra import ratelimit
from sandbox.centra import services as centra

from .centra_payloads import mapping_context

pytestmark = pytest.mark.django_db

CURRENCIES = {"SEK": ("SE", 1), "EUR": ("FI", "11.45"), "NOK": ("NO", "0.98"), "DKK": ("DK", "1.53")}


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
line = st.tuples(price, st.integers(1, 4), st.sampled_from([25, 12, 6]), st.sampled_from([0, 10, 25]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    currency=st.sampled_from(sorted(CURRENCIES)),
    lines=st.lists(line, min_size=1, max_size=4),
    shipping=st.decimals(min_value="0", max_value="99", places=2),
    voucher_share=st.decimals(min_value="0", max_value="0.4", places=2),
    split=st.booleans(),
    returned=st.lists(st.booleans(), min_size=4, max_size=4),
    refund_shipping=st.booleans(),
    fee=st.decimals(min_value="0", max_value="50", places=2),
)
def test_invoices_minus_credits_equal_captured_minus_refunded(db, currency, lines, shipping, voucher_share, split,
                                                               returned, refund_shipping, fee):
    try:
        with transaction.atomic():
            check_books(currency, lines, shipping, voucher_share, split, returned, refund_shipping, fee)
            raise Rollback
    except Rollback:
        pass


def check_books(currency, lines, shipping, voucher_share, split, returned, refund_shipping, fee):
    store = centra.create_store("books", plan="enterprise")
    country, rate = CURRENCIES[currency]
    specs = []
    for index, (unit, quantity, vat, discount) in enumerate(lines):
        centra.create_product(store, f"P{index}", f"Product {index}")
        original = (unit * 100 / (100 - discount)).quantize(Decimal("0.01")) if discount else unit
        specs.append({"sku": f"P{index}", "quantity": quantity, "unit_price": unit, "original_price": original,
                      "tax_percent": Decimal(vat)})
    goods = sum(unit * quantity for unit, quantity, _, _ in lines)
    order = centra.create_order(store, email="buyer@example.com", lines=specs, currency=currency,
                                conversion_rate=Decimal(str(rate)), country_code=country, shipping=shipping,
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

    context = mapping_context(oss={"FI": (3053, "25.5"), "DK": (3052, "25")})
    [centra_order] = graphql(store, ORDERS_QUERY, {"where": {"id": [order.hash_id]}, "limit": 1, "page": 1})["orders"]
    invoices = {s["id"]: invoice_from_shipment(centra_order, s, context) for s in centra_order["shipments"]}
    centra_returns = graphql(store, RETURNS_QUERY, {"where": {"id": [r.pk for r in returns]} if returns else {},
                                                    "limit": 50, "page": 1})["returns"] if returns else []
    credits = [credit_invoice_from_return(r, context, "1") for r in centra_returns]

    captured = sum(Decimal(str(s["grandTotal"]["value"])) for s in centra_order["shipments"])
    refunded = sum(Decimal(str(r["grandTotal"]["value"])) for r in centra_returns)
    booked = sum(i.total for i in invoices.values()) + sum(c.total for c in credits)
    event(f"{len(invoices)} invoice(s), {len(credits)} credit invoice(s)")
    assert booked == captured - refunded
    assert captured == Decimal(str(centra_order["grandTotal"]["value"]))  # every shipment captured its part
    for document in [*invoices.values(), *credits]:
        assert document.currency == currency
        assert all(row.total == row.total.quantize(Decimal("0.01")) for row in document.rows)
