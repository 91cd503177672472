"""Fields centra.md §3 lists that a query may select: order flags, line comments, states, sizes, VAT rules.

Each was missing once, so a query naming it failed validation; each is backed by simulator data.
"""

from decimal import Decimal

import pytest

from sandbox.centra import services as centra
from sandbox.centra.models import PaymentHistoryEntry

FLAGS = "number isOnHold isLocked isWaitingForPayment isInternal"
ORDER_FLAGS = f"""{{ orders(sort: [number_ASC]) {{ {FLAGS}
  ... on DirectToConsumerOrder {{ dtc: isLocked }} ... on WholesaleOrder {{ wholesale: isLocked }} }} }}"""
LOCK = """mutation($numbers: [OrderReference!]!, $locked: Boolean!) {
  setOrdersLock(input: {orders: $numbers, isLocked: $locked}) { orders { number isLocked } userErrors { message path } }
}"""


def data(response) -> dict:
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def line(sku, price, vat=25, **extra):
    return {"sku": sku, "quantity": 1, "unit_price": Decimal(price), "tax_percent": Decimal(vat), **extra}


def test_order_flags_are_on_the_interface_and_both_order_types(centra_gql, centra_store, centra_order):
    wholesale = centra.create_order(centra_store, email="buyer@shop.example", store_type="WHOLESALE",
                                    lines=[line("WS200", 100)], is_internal=True)

    orders = data(centra_gql(centra_store, ORDER_FLAGS))["orders"]

    assert orders == [
        {"number": centra_order.number, "isOnHold": False, "isLocked": False, "isWaitingForPayment": False,
         "isInternal": False, "dtc": False},
        {"number": wholesale.number, "isOnHold": False, "isLocked": False, "isWaitingForPayment": False,
         "isInternal": True, "wholesale": False},
    ]


def test_set_orders_lock_locks_and_unlocks_orders_by_number(centra_gql, centra_store, centra_order):
    locked = data(centra_gql(centra_store, LOCK, {"numbers": [{"number": centra_order.number}], "locked": True}))
    after_lock = data(centra_gql(centra_store, ORDER_FLAGS))["orders"][0]["isLocked"]
    data(centra_gql(centra_store, LOCK, {"numbers": [{"id": centra_order.hash_id}], "locked": False}))
    after_unlock = data(centra_gql(centra_store, ORDER_FLAGS))["orders"][0]["isLocked"]

    assert locked["setOrdersLock"] == {"orders": [{"number": centra_order.number, "isLocked": True}], "userErrors": []}
    assert (after_lock, after_unlock) == (True, False)


def test_locking_an_order_queues_an_order_update_event(centra_store, centra_order):
    centra.set_event_listeners(centra_store, "Junipeer", [{"objectType": "Order"}])

    centra.set_orders_lock([centra_order], True)
    centra.set_orders_lock([centra_order], True)  # already locked: nothing changes

    events = centra_store.events.filter(object_type="Order")
    assert [(event.change_type, event.object_reference) for event in events] == [
        ("UPDATED", str(centra_order.number))
    ]


def test_set_orders_lock_with_an_unknown_order_locks_none(centra_gql, centra_store, centra_order):
    refs = [{"number": centra_order.number}, {"number": 99999}]

    result = data(centra_gql(centra_store, LOCK, {"numbers": refs, "locked": True}))["setOrdersLock"]

    centra_order.refresh_from_db()
    assert result["orders"] is None
    assert result["userErrors"][0]["path"] == ["input", "orders", "1"]
    assert centra_order.is_locked is False


def test_set_orders_lock_needs_the_is_locked_write_permission(centra_gql, centra_store, centra_order):
    token = centra.create_token(centra_store, ["Order:read", "Order:write"])

    body = centra_gql(centra_store, LOCK, {"numbers": [{"number": centra_order.number}], "locked": True},
                      token=token.token).json()

    assert body["errors"][0]["message"] == "You need Order.isLocked:write permission to access setOrdersLock."


def test_order_waits_for_payment_until_the_psp_authorizes_it(centra_gql, centra_store, centra_order):
    pending = centra.create_order(centra_store, email="late@payer.example", lines=[line("WS200", 149)],
                                  authorization="PENDING")

    flags = {o["number"]: o["isWaitingForPayment"] for o in data(centra_gql(centra_store, ORDER_FLAGS))["orders"]}

    assert flags == {centra_order.number: False, pending.number: True}


def test_order_line_comment_is_the_buyers_text_or_null(centra_gql, centra_store, centra_customer):
    centra.create_order(centra_store, customer=centra_customer,
                        lines=[line("WC100CAM38", 1350, comment="Gift wrap, please"), line("WS200", 149)])

    lines = data(centra_gql(centra_store, "{ orders { lines { comment } } }"))["orders"][0]["lines"]

    assert lines == [{"comment": "Gift wrap, please"}, {"comment": None}]


def test_address_state_is_structured_and_state_or_province_stays_free_text(centra_gql, centra_store, centra_order):
    address = {"firstName": "Sam", "address1": "1 Market St", "city": "San Francisco", "zipCode": "94105",
               "country": "US", "state": "CA", "stateOrProvince": "Calif."}
    centra.create_order(centra_store, email="sam@example.com", country_code="US", currency="USD",
                        billing_address=address, lines=[line("WS200", 20, vat=0)])
    query = """{ orders(sort: [number_ASC]) { billingAddress { stateOrProvince state { id name code } } }
                 countries(where: {code: ["US"]}) { states { code name } } }"""

    result = data(centra_gql(centra_store, query))

    swedish, american = (order["billingAddress"] for order in result["orders"])
    assert swedish == {"stateOrProvince": None, "state": None}
    assert american == {"stateOrProvince": "Calif.", "state": {"id": 1, "name": "California", "code": "CA"}}
    assert {"code": "CA", "name": "California"} in result["countries"][0]["states"]


def test_product_size_reports_preorder_and_the_size_chart_size_it_activates(centra_gql, centra_store):
    product = centra.create_product(centra_store, "SH300", "Shirt", variants=[
        {"variant_number": "WHT", "name": "White", "size_chart": "Shirts",
         "sizes": [{"name": "M", "size_number": "M"}, {"name": "L", "size_number": "L", "preorder": True}]},
        {"variant_number": "BLK", "name": "Black", "size_chart": "Shirts",
         "sizes": [{"name": "M", "size_number": "M"}]},
    ])
    ids = [size.pk for variant in product.variants.order_by("id") for size in variant.sizes.order_by("id")]
    query = "query($ids: [Int!]) { productSizes(where: {id: $ids}) { SKU preorder size { id name } } }"

    sizes = {s["SKU"]: s for s in data(centra_gql(centra_store, query, {"ids": ids}))["productSizes"]}

    assert (sizes["SH300WHTM"]["preorder"], sizes["SH300WHTL"]["preorder"]) == (False, True)
    assert sizes["SH300WHTM"]["size"] == sizes["SH300BLKM"]["size"]  # one size of one chart, two variants
    assert sizes["SH300WHTM"]["size"]["name"] == "M"
    assert sizes["SH300WHTL"]["size"]["id"] != sizes["SH300WHTM"]["size"]["id"]


RETURN_TOTALS = """query($id: Int!) { return(id: $id) {
  grandTotal { value } net: grandTotal(includingTax: false) { value }
  totals {
    shipping { value } handling { value } returnCost { value } discounts { value }
    shippingTaxRules { taxPercent taxIncluded { value } } handlingTaxRules { taxIncluded { value } }
    returnCostTaxRules { taxPercent taxIncluded { value } } discountTaxRules { taxPercent taxIncluded { value } }
  } } }"""


def test_reference_return_sample_shipping_refund_carries_its_vat(centra_gql, centra_store, centra_order):
    """centra.md §7.3: shipping 49 SEK refunded at 25 % -> shippingTaxRules [{taxIncluded 9.8}]."""
    shipment = centra.complete_shipment(centra.create_shipment(centra_order))
    ret = centra.create_return(shipment, {"WC100CAM38": 1}, shipping_refund=centra.FROM_SHIPMENT)

    totals = data(centra_gql(centra_store, RETURN_TOTALS, {"id": ret.pk}))["return"]["totals"]

    assert totals["shippingTaxRules"] == [{"taxPercent": 25.0, "taxIncluded": {"value": 9.8}}]
    assert totals["handlingTaxRules"] == totals["returnCostTaxRules"] == totals["discountTaxRules"] == []


def test_return_fee_and_voucher_vat_follow_the_returned_goods_rates(centra_gql, centra_store, centra_customer):
    """Coat 1000 at 25 % and scarf 200 at 12 %: fee and voucher split 1000:200 over the two rates."""
    order = centra.create_order(centra_store, customer=centra_customer, shipping=Decimal("49"),
                                voucher_discount=Decimal("120"),
                                lines=[line("WC100CAM38", 1000), line("WS200", 200, vat=12)])
    shipment = centra.complete_shipment(centra.create_shipment(order))
    ret = centra.create_return(shipment, {"WC100CAM38": 1, "WS200": 1}, shipping_refund=centra.FROM_SHIPMENT,
                               voucher_value=centra.FROM_SHIPMENT, return_cost=Decimal("60"))

    result = data(centra_gql(centra_store, RETURN_TOTALS, {"id": ret.pk}))["return"]

    totals = result["totals"]
    # fee 60 = 50 at 25 % (VAT 10.00) + 10 at 12 % (VAT 1.07); voucher 120 = 100 (20.00) + 20 (2.14)
    assert totals["returnCostTaxRules"] == [{"taxPercent": 25.0, "taxIncluded": {"value": 10.0}},
                                            {"taxPercent": 12.0, "taxIncluded": {"value": 1.07}}]
    assert totals["discounts"] == {"value": -120.0}
    assert totals["discountTaxRules"] == [{"taxPercent": 25.0, "taxIncluded": {"value": -20.0}},
                                          {"taxPercent": 12.0, "taxIncluded": {"value": -2.14}}]
    # shipping goes at the order's shipping rate (its highest goods rate): 49 -> 9.80
    assert totals["shippingTaxRules"] == [{"taxPercent": 25.0, "taxIncluded": {"value": 9.8}}]
    goods_vat = Decimal("200.00") + Decimal("21.43")  # 1000 x 25/125, 200 x 12/112
    vat = goods_vat + Decimal("9.80") - Decimal("11.07") - Decimal("22.14")
    assert result["grandTotal"]["value"] == 1000 + 200 + 49 - 60 - 120
    assert Decimal(str(result["net"]["value"])) == Decimal("1069") - vat


def test_payment_history_value_is_a_monetary_value_as_centras_examples_select_it(
    centra_gql, centra_store, centra_order
):
    """Centra's ex-dtc docs select `value { value currency { code } }`; a bare `value` is invalid."""
    shipment = centra.complete_shipment(centra.create_shipment(centra_order))
    ret = centra.create_return(shipment, {"WS200": 1})
    # Refunds happen outside the Integration API (REST Order API or AMS); seed the entry they leave.
    PaymentHistoryEntry.objects.create(order=centra_order, return_obj=ret, entry_type="REFUND", status="SUCCESS",
                                       value=Decimal("149"), payment_method="Klarna Checkout",
                                       created_at=ret.created_at)
    query = """query($id: Int!) { return(id: $id) {
      refundPaymentHistory { entryType value { value currency { code } } paymentMethod paramsJSON }
      order { paymentHistory(where: {entryType: [AUTH]}) { entryType status value { value conversionRate } } } } }"""

    result = data(centra_gql(centra_store, query, {"id": ret.pk}))["return"]
    bare = centra_gql(centra_store, "{ orders { paymentHistory { value } } }").json()

    assert result["refundPaymentHistory"] == [{"entryType": "REFUND", "value": {"value": 149.0,
                                                                                 "currency": {"code": "SEK"}},
                                               "paymentMethod": "Klarna Checkout", "paramsJSON": "{}"}]
    assert result["order"]["paymentHistory"] == [{"entryType": "AUTH", "status": "SUCCESS",
                                                  "value": {"value": 1548.0, "conversionRate": 1.0}}]
    assert "must have a selection of subfields" in bare["errors"][0]["message"]


@pytest.mark.parametrize("query", [
    # §7.1's order fetch with the flags, line comment, preorder, size and state it can ask for.
    """{ orders(limit: 5) { number isOnHold isLocked isWaitingForPayment isInternal
         billingAddress { stateOrProvince state { id name code } country { code isEU } }
         lines { comment productSize { id SKU EAN sizeNumber description preorder size { id name } } } } }""",
    # §7.3's return read-back.
    """{ returns { id status totals { shipping { value } handling { value } returnCost { value }
         discounts { value } shippingTaxRules { taxIncluded { value } } handlingTaxRules { taxIncluded { value } }
         returnCostTaxRules { taxIncluded { value } } discountTaxRules { taxIncluded { value } } }
         refundPaymentHistory { entryType value { value } paramsJSON paymentMethod } } }""",
])
def test_reference_queries_validate(centra_gql, centra_store, centra_order, query):
    assert "errors" not in centra_gql(centra_store, query).json()
