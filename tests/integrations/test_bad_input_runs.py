"""A corrupt record in a batch fails alone, with a code; its neighbours are invoiced."""

import pytest

from integrations.flows import orders as orders_flow
from integrations.flows.runner import run_flow
from integrations.models import SyncRecord

pytestmark = pytest.mark.django_db(transaction=True)

CORRUPTIONS = {
    "lines are not a list": lambda order: order.update(lines="oops"),
    "null where an object belongs": lambda order: order.update(billingAddress=None, customer=None),
    "negative quantity": lambda order: order["shipments"][0]["lines"][0].update(quantity=-2),
    "price is text": lambda order: order["lines"][0].update(unitPrice={"value": "free"}),
    "huge name": lambda order: order["billingAddress"].update(zipCode="1" * 50_000),
    "unknown currency": lambda order: order["grandTotal"]["currency"].update(code="XXX"),
    "shipment is a string": lambda order: order.update(shipments=["7"]),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupt_order_fails_alone_and_the_batch_goes_on(world, monkeypatch, corruption):
    before = world.ship(world.order(("COAT", 1, "1500"), email="a@example.com"))
    bad = world.ship(world.order(("SCARF", 1, "149"), email="b@example.com"))
    after = world.ship(world.order(("SHIRT", 1, "399"), email="c@example.com"))
    real_as_orders = orders_flow.as_orders

    def corrupted_page(shipments):  # the page as the sweep read it from Centra, one order corrupted
        orders = real_as_orders(shipments)
        for order in orders:
            if order["number"] == bad.order.number:
                CORRUPTIONS[corruption](order)
        return orders

    monkeypatch.setattr(orders_flow, "as_orders", corrupted_page)

    run = run_flow(world.flow)

    assert run.status == "partial"
    assert run.created == 2
    refs = {i["ExternalInvoiceReference1"] for i in world.invoices()}
    assert refs == {f"centra-shipment-{before.pk}", f"centra-shipment-{after.pk}"}
    failed = SyncRecord.objects.filter(run=run, status="failed")
    assert failed.count() == 1
    for record in failed:
        assert record.error_code in {"invalid_source_data", "customer_missing_email", "field_too_long",
                                     "unsupported_currency"}
        assert record.message
