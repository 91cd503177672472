"""Shipments: money splits to the öre, quantity and status rules, capture and completion."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox import faults
from sandbox.centra import services as centra
from sandbox.centra.errors import UserError
from sandbox.centra.models import Order, PaymentHistoryEntry, Shipment
from sandbox.centra.services.ledger import order_totals, shipment_totals

CREATE = """mutation($order: String!, $lines: [ShipmentLineInput!]) {
  createShipment(input: {order: {id: $order}, lines: $lines, isGoodToGo: true, capture: true}) {
    shipment { id number isPaid isCaptured grandTotal { value } totals { shipping { value } discounts { value } }
               lines { id quantity lineValue { value } } }
    userErrors { message path } userWarnings { message path } } }"""
COMPLETE = """mutation($id: Int!, $at: DateTimeTz) {
  completeShipment(id: $id, input: {shippedAt: $at, shipmentInfo: {carrier: "PostNord", service: "MyPack",
    trackingNumber: "00370712345678901234"}}) {
    shipment { isShipped trackingNumber carrierInformation { carrierName serviceName } order { status } }
    userErrors { message path } } }"""


def _lines(order):
    return [{"orderLine": {"id": line.pk}, "quantity": line.quantity} for line in order.lines.order_by("id")]


def test_shipment_takes_the_whole_order_with_shipping(centra_gql, centra_store, centra_order):
    payload = centra_gql(centra_store, CREATE, {"order": centra_order.hash_id}).json()["data"]["createShipment"]

    shipment = payload["shipment"]
    assert payload["userErrors"] == []
    assert shipment["number"] == f"{centra_order.number}-1"
    assert shipment["isPaid"]
    assert shipment["isCaptured"]
    assert shipment["grandTotal"]["value"] == 1548.0
    assert shipment["totals"]["shipping"]["value"] == 49.0
    centra_order.refresh_from_db()
    assert centra_order.status == "PROCESSING"


def test_shipment_cannot_exceed_quantity_left_to_ship(centra_gql, centra_store, centra_order):
    coat = centra_order.lines.order_by("id").first()
    lines = [{"orderLine": {"id": coat.pk}, "quantity": 2}]

    payload = centra_gql(centra_store, CREATE, {"order": centra_order.hash_id, "lines": lines}).json()

    result = payload["data"]["createShipment"]
    assert result["shipment"] is None
    assert result["userErrors"] == [{
        "message": f"Quantity for order line {coat.pk} exceeds the quantity left to ship",
        "path": ["input", "lines", "0", "quantity"],
    }]
    assert not Shipment.objects.exists()


def test_second_shipment_of_the_same_lines_is_refused(centra_store, centra_order):
    centra.create_shipment(centra_order)

    with pytest.raises(UserError, match="nothing left to ship"):
        centra.create_shipment(centra_order)


@pytest.mark.parametrize("status", ["PENDING", "CANCELLED", "SHIPPED"])
def test_only_confirmed_or_processing_orders_ship(centra_gql, centra_store, centra_order, status):
    Order.objects.filter(pk=centra_order.pk).update(status=status)

    result = centra_gql(centra_store, CREATE, {"order": centra_order.hash_id}).json()["data"]["createShipment"]

    assert result["shipment"] is None
    assert "only CONFIRMED or PROCESSING" in result["userErrors"][0]["message"]


def test_order_line_of_another_order_is_refused(centra_gql, centra_store, centra_order, centra_customer):
    other = centra.create_order(centra_store, customer=centra_customer,
                                lines=[{"sku": "WS200", "quantity": 1, "unit_price": 149}])

    result = centra_gql(centra_store, CREATE, {"order": centra_order.hash_id, "lines": _lines(other)}).json()

    assert result["data"]["createShipment"]["userErrors"][0]["path"] == ["input", "lines", "0", "orderLine"]


def test_shipping_goes_on_the_first_shipment_only(centra_store, centra_order):
    coat, scarf = centra_order.lines.order_by("id")

    first = centra.create_shipment(centra_order, {coat: 1})
    second = centra.create_shipment(centra_order, {"WS200": 1})

    assert (first.shipping, second.shipping) == (Decimal("49"), Decimal("0"))
    assert shipment_totals(first)["grand_total"] == Decimal("1399.00")
    assert shipment_totals(second)["grand_total"] == Decimal("149.00")


def test_voucher_is_allocated_by_value_and_reported_negative(centra_gql, centra_store, centra_customer):
    order = centra.create_order(centra_store, customer=centra_customer, voucher_discount=Decimal("100"), lines=[
        {"sku": "WC100CAM38", "quantity": 1, "unit_price": Decimal("300")},
        {"sku": "WS200", "quantity": 1, "unit_price": Decimal("100")},
    ])
    coat, _ = order.lines.order_by("id")

    first = centra_gql(centra_store, CREATE, {"order": order.hash_id,
                                              "lines": [{"orderLine": {"id": coat.pk}, "quantity": 1}]}).json()

    totals = first["data"]["createShipment"]["shipment"]["totals"]
    assert totals["discounts"]["value"] == -75.0
    assert first["data"]["createShipment"]["shipment"]["grandTotal"]["value"] == 300 - 75


def test_discount_sign_knob_reports_discounts_positive(centra_gql, centra_customer, centra_store):
    centra.create_store("acme", discount_sign=1)
    order = centra.create_order(centra_store, customer=centra_customer, voucher_discount=Decimal("10"),
                                lines=[{"sku": "WS200", "quantity": 1, "unit_price": Decimal("100")}])

    body = centra_gql(centra_store, "{ orders { grandTotal { value } totals { discounts { value } } } }").json()

    assert body["data"]["orders"] == [{"grandTotal": {"value": 90.0}, "totals": {"discounts": {"value": 10.0}}}]
    assert order.pk


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
lines_strategy = st.lists(st.tuples(st.integers(1, 5), prices, st.sampled_from([Decimal(6), Decimal(12),
                                                                                  Decimal(25)])),
                          min_size=1, max_size=4)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=lines_strategy, shipping=st.decimals(min_value=0, max_value=200, places=2),
       voucher_share=st.fractions(min_value=0, max_value=1), split=st.data())
def test_shipment_totals_sum_to_the_order_total_across_two_batches(centra_store, lines, shipping, voucher_share,
                                                                   split):
    """For any split of any order into two shipments, the shipments add up to the order to the öre."""
    goods = sum(quantity * price for quantity, price, _ in lines)
    voucher = (goods * Decimal(voucher_share.numerator) / Decimal(voucher_share.denominator)).quantize(Decimal("0.01"))
    voucher = min(voucher, goods)
    order = centra.create_order(centra_store, email="prop@example.com", shipping=shipping, voucher_discount=voucher,
                                lines=[{"sku": "WC100CAM38", "quantity": q, "unit_price": p, "tax_percent": t}
                                       for q, p, t in lines])
    order_lines = list(order.lines.order_by("id"))
    first_batch = {line: split.draw(st.integers(0, line.quantity)) for line in order_lines}
    first_batch = {line: quantity for line, quantity in first_batch.items() if quantity}
    if not first_batch:
        first_batch = {order_lines[0]: 1}

    shipments = [centra.create_shipment(order, first_batch)]
    if any(first_batch.get(line, 0) < line.quantity for line in order_lines):
        shipments.append(centra.create_shipment(order))

    totals = [shipment_totals(shipment) for shipment in shipments]
    assert sum(t["grand_total"] for t in totals) == order_totals(order)["grand_total"]
    assert sum(t["discount"] for t in totals) == voucher
    assert sum(t["shipping"] for t in totals) == shipping
    for t in totals:
        assert t["grand_total"] == t["goods"] + t["shipping"] - t["discount"]


def test_complete_shipment_sets_tracking_and_completes_the_order(centra_gql, centra_store, centra_order):
    shipment = centra.create_shipment(centra_order)

    result = centra_gql(centra_store, COMPLETE, {"id": shipment.pk, "at": "-1 hour"}).json()["data"]

    assert result["completeShipment"] == {"shipment": {
        "isShipped": True, "trackingNumber": "00370712345678901234",
        "carrierInformation": {"carrierName": "PostNord", "serviceName": "MyPack"}, "order": {"status": "SHIPPED"},
    }, "userErrors": []}


def test_complete_shipment_needs_paid_and_good_to_go(centra_gql, centra_store, centra_order):
    shipment = centra.create_shipment(centra_order, good_to_go=False, capture=False)

    result = centra_gql(centra_store, COMPLETE, {"id": shipment.pk}).json()["data"]["completeShipment"]

    assert result["shipment"] is None
    assert result["userErrors"][0]["message"].endswith("is not good to go")


def test_shipped_at_cannot_be_in_the_future(centra_gql, centra_store, centra_order):
    shipment = centra.create_shipment(centra_order)

    result = centra_gql(centra_store, COMPLETE, {"id": shipment.pk, "at": "+2 days"}).json()["data"]

    assert result["completeShipment"]["userErrors"] == [
        {"message": "shippedAt cannot be in the future", "path": ["input", "shippedAt"]}
    ]


def test_order_is_not_shipped_while_lines_remain(centra_store, centra_order):
    coat, _ = centra_order.lines.order_by("id")
    shipment = centra.create_shipment(centra_order, {coat: 1})

    centra.complete_shipment(shipment)

    centra_order.refresh_from_db()
    assert centra_order.status == "PROCESSING"


def test_update_shipment_marks_good_to_go_and_paid(centra_gql, centra_store, centra_order):
    shipment = centra.create_shipment(centra_order, good_to_go=False, capture=False)

    result = centra_gql(centra_store, "mutation($id: Int!) { updateShipment(id: $id, input: {isGoodToGo: true, "
                        "isPaid: true}) { shipment { isGoodToGo isPaid isCaptured } userErrors { message } } }",
                        {"id": shipment.pk}).json()["data"]["updateShipment"]

    assert result == {"shipment": {"isGoodToGo": True, "isPaid": True, "isCaptured": False}, "userErrors": []}


def test_capture_shipment_records_payment_history(centra_gql, centra_store, centra_order):
    shipment = centra.create_shipment(centra_order, capture=False)
    query = ("mutation($id: Int!) { captureShipment(id: $id) { shipment { isCaptured } "
             "paymentHistoryEntry { entryType status value { value } } userErrors { message } } }")

    first = centra_gql(centra_store, query, {"id": shipment.pk}).json()["data"]["captureShipment"]
    again = centra_gql(centra_store, query, {"id": shipment.pk}).json()["data"]["captureShipment"]

    assert first["paymentHistoryEntry"] == {"entryType": "CAPTURE", "status": "SUCCESS", "value": {"value": 1548.0}}
    assert first["shipment"] == {"isCaptured": True}
    assert again["userErrors"][0]["message"].endswith("is already captured")


def test_failed_capture_is_a_user_error_with_a_failed_history_entry(centra_gql, centra_store, centra_order):
    centra.create_store("acme", capture_outcome="FAILED")
    shipment = centra.create_shipment(centra_order, capture=False)

    result = centra_gql(centra_store, "mutation($id: Int!) { captureShipment(id: $id) { shipment { id } "
                        "userErrors { message } } }", {"id": shipment.pk}).json()["data"]["captureShipment"]

    assert result["shipment"] is None
    assert "failed" in result["userErrors"][0]["message"]
    assert PaymentHistoryEntry.objects.filter(shipment=shipment, status="FAILED").count() == 1


def test_async_capture_stays_pending(centra_store, centra_order):
    centra.create_store("acme", capture_outcome="PENDING")

    shipment = centra.create_shipment(centra_order)

    assert not shipment.is_paid
    assert shipment.payment_history.get().entry_type == "CAPTURE_REQUEST"


def test_lost_response_fault_still_commits_the_shipment(centra_gql, centra_store, centra_order):
    faults.set_faults("centra", next_lost_response=1)

    response = centra_gql(centra_store, CREATE, {"order": centra_order.hash_id})

    assert response.status_code == 504
    assert response.content == b""
    assert Shipment.objects.filter(order=centra_order).count() == 1
    retry = centra_gql(centra_store, CREATE, {"order": centra_order.hash_id}).json()
    assert "nothing left to ship" in retry["data"]["createShipment"]["userErrors"][0]["message"]


def test_lost_response_fault_spares_queries(centra_gql, centra_store, centra_order):
    faults.set_faults("centra", next_lost_response=1)

    assert centra_gql(centra_store, "{ orders { number } }").status_code == 200


def test_cancel_order_refuses_captured_orders(centra_gql, centra_store, centra_order, centra_customer):
    untouched = centra.create_order(centra_store, customer=centra_customer,
                                    lines=[{"sku": "WS200", "quantity": 2, "unit_price": 149}])
    centra.create_shipment(centra_order)
    query = ("mutation($id: String!) { cancelDirectToConsumerOrder(id: $id, input: {comment: \"x\"}) "
             "{ order { status lines(includeFullyCancelled: true) { quantity cancelledQuantity } } "
             "userErrors { message } } }")

    refused = centra_gql(centra_store, query, {"id": centra_order.hash_id}).json()["data"]
    cancelled = centra_gql(centra_store, query, {"id": untouched.hash_id}).json()["data"]

    assert "captured" in refused["cancelDirectToConsumerOrder"]["userErrors"][0]["message"]
    assert cancelled["cancelDirectToConsumerOrder"]["order"] == {
        "status": "CANCELLED", "lines": [{"quantity": 0, "cancelledQuantity": 2}],
    }


def test_confirm_order_moves_pending_to_confirmed(centra_gql, centra_store, centra_customer):
    order = centra.create_order(centra_store, customer=centra_customer, status="PENDING",
                                lines=[{"sku": "WS200", "quantity": 1, "unit_price": 149}])
    query = ("mutation($n: Int!) { confirmOrder(input: {order: {number: $n}}) { order { status } "
             "userErrors { message } } }")

    first = centra_gql(centra_store, query, {"n": order.number}).json()["data"]["confirmOrder"]
    second = centra_gql(centra_store, query, {"n": order.number}).json()["data"]["confirmOrder"]

    assert first == {"order": {"status": "CONFIRMED"}, "userErrors": []}
    assert second["userErrors"][0]["message"].startswith(f"Order {order.number} is CONFIRMED")
