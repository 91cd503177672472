"""Returns: only shipped goods, never more than shipped, costs bounded by the shipment."""

from decimal import Decimal

import pytest

from sandbox.centra import services as centra
from sandbox.centra.errors import UserError

CREATE = """mutation($shipment: Int!, $line: Int!, $quantity: Int!) {
  createReturn(input: {shipment: {id: $shipment}, lines: [{shipmentLine: {id: $line}, quantity: $quantity}],
    returnStockActionPolicy: {releaseItemsBackToWarehouse: true}, shippingCost: {fromShipment: true},
    returnCost: {value: 50, currencyIsoCode: "SEK"}, comment: "Too small"}) {
    return { id status comment grandTotal { value } totals { shipping { value } returnCost { value }
             discounts { value } }
             lines { id quantity shipmentLine { id } orderLine { id returnedQuantity lineValue { value } } } }
    userErrors { message path } } }"""


@pytest.fixture
def centra_shipped(centra_order):
    shipment = centra.create_shipment(centra_order)
    return centra.complete_shipment(shipment)


def test_return_refunds_goods_and_shipping_minus_the_fee(centra_gql, centra_store, centra_shipped):
    coat_line = centra_shipped.lines.order_by("id").first()

    result = centra_gql(centra_store, CREATE, {"shipment": centra_shipped.pk, "line": coat_line.pk,
                                               "quantity": 1}).json()["data"]["createReturn"]

    ret = result["return"]
    assert result["userErrors"] == []
    assert ret["status"] == "PENDING"
    assert ret["comment"] == "Too small"
    assert ret["totals"]["shipping"]["value"] == 49.0
    assert ret["totals"]["returnCost"]["value"] == 50.0
    assert ret["grandTotal"]["value"] == 1350 + 49 - 50
    assert ret["lines"][0]["shipmentLine"]["id"] == coat_line.pk
    assert ret["lines"][0]["orderLine"]["returnedQuantity"] == 1


def test_return_quantity_cannot_exceed_what_was_shipped(centra_gql, centra_store, centra_shipped):
    coat_line = centra_shipped.lines.order_by("id").first()

    result = centra_gql(centra_store, CREATE, {"shipment": centra_shipped.pk, "line": coat_line.pk,
                                               "quantity": 2}).json()["data"]["createReturn"]

    assert result["return"] is None
    assert result["userErrors"][0]["path"] == ["input", "lines", "0", "quantity"]


def test_goods_cannot_be_returned_twice(centra_shipped):
    coat_line = centra_shipped.lines.order_by("id").first()
    centra.create_return(centra_shipped, {coat_line: 1})

    with pytest.raises(UserError, match="exceeds the quantity shipped and not returned"):
        centra.create_return(centra_shipped, {coat_line: 1})


def test_shipping_refund_cannot_exceed_the_shipments_shipping(centra_shipped):
    with pytest.raises(UserError, match="exceeds what is left on the shipment"):
        centra.create_return(centra_shipped, {"WS200": 1}, shipping_refund=Decimal("50"))


def test_unshipped_shipment_cannot_be_returned(centra_order):
    shipment = centra.create_shipment(centra_order)

    with pytest.raises(UserError, match="not shipped yet"):
        centra.create_return(shipment, {"WS200": 1})


def test_completed_return_cannot_be_completed_again(centra_gql, centra_store, centra_shipped):
    ret = centra.create_return(centra_shipped, {"WS200": 1}, comment="Changed mind")
    query = "mutation($id: Int!) { completeReturn(id: $id) { return { status } userErrors { message } } }"

    first = centra_gql(centra_store, query, {"id": ret.pk}).json()["data"]["completeReturn"]
    second = centra_gql(centra_store, query, {"id": ret.pk}).json()["data"]["completeReturn"]

    assert first == {"return": {"status": "COMPLETED"}, "userErrors": []}
    assert second["userErrors"] == [{"message": f"Return {ret.pk} is already completed"}]


def test_voucher_from_shipment_is_taken_back_in_proportion(centra_store, centra_customer):
    order = centra.create_order(centra_store, customer=centra_customer, voucher_discount=Decimal("40"), lines=[
        {"sku": "WC100CAM38", "quantity": 1, "unit_price": Decimal("300")},
        {"sku": "WS200", "quantity": 1, "unit_price": Decimal("100")},
    ])
    shipment = centra.complete_shipment(centra.create_shipment(order))

    ret = centra.create_return(shipment, {"WS200": 1}, voucher_value=centra.FROM_SHIPMENT)

    assert ret.voucher_value == Decimal("10.00")


def test_returns_are_listed_with_filters(centra_gql, centra_store, centra_shipped, centra_customer):
    ret = centra.create_return(centra_shipped, {"WS200": 1})

    body = centra_gql(centra_store, "query($c: Int!) { returns(where: {customerId: [$c], storeType: "
                      "DIRECT_TO_CONSUMER}) { id __typename order { number } shipment { number } } }",
                      {"c": centra_customer.pk}).json()

    assert body["data"]["returns"] == [{
        "id": ret.pk, "__typename": "DirectToConsumerReturn", "order": {"number": centra_shipped.order.number},
        "shipment": {"number": centra_shipped.number},
    }]
