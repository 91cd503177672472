"""A Centra shipment maps to one invoice whose total is what Centra captured for it."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.domain.errors import SyncError
from mappings.centra import customer_from_order, invoice_from_shipment, shipment_reference

from .centra_payloads import mapping_context, order, order_line, shipment


def test_invoice_total_equals_captured_amount_with_discount():
    coat = order_line(1, "WC100CAM38", unit_price="1350", original="1500", discount=10, name="Wool Coat")
    scarf = order_line(2, "WS200", unit_price="149", name="Wool Scarf")
    ship = shipment(7781, [{"order_line": 1, "quantity": 1, "value": "1350"},
                           {"order_line": 2, "quantity": 1, "value": "149"}], shipping="49", discounts="-150")
    invoice = invoice_from_shipment(order([coat, scarf], [ship]), ship, mapping_context())

    assert invoice.total == Decimal("1398.00") == Decimal(str(ship["grandTotal"]["value"]))
    coat_row = invoice.rows[0]
    assert (coat_row.unit_price, coat_row.discount_percent, coat_row.total) == (Decimal("1500"), 10, Decimal("1350.00"))
    discount_rows = [row for row in invoice.rows if row.unit_price < 0]
    assert [(row.unit_price, row.vat_percent) for row in discount_rows] == [(Decimal("-150"), 25)]
    [shipping] = [row for row in invoice.rows if row.description == "Shipping"]
    assert (shipping.total, shipping.account) == (Decimal("49.00"), 3520)  # the freight account
    assert invoice.external_reference == shipment_reference(ship) == "centra-shipment-7781"


def test_discount_is_split_over_vat_rates_in_proportion_to_the_ore():
    book = order_line(1, "BOOK", unit_price="100", tax=6)
    shirt = order_line(2, "SHIRT", unit_price="200", tax=25)
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "100"},
                        {"order_line": 2, "quantity": 1, "value": "200"}], discounts="-10")
    invoice = invoice_from_shipment(order([book, shirt], [ship]), ship, mapping_context())

    discounts = {row.vat_percent: row.unit_price for row in invoice.rows if row.unit_price < 0}
    accounts = {row.vat_percent: row.account for row in invoice.rows if row.unit_price < 0}
    assert accounts == {Decimal("6"): 3003, Decimal("25"): 3001}  # each rate on its own sales account
    assert discounts == {Decimal("6"): Decimal("-3.33"), Decimal("25"): Decimal("-6.67")}
    assert invoice.total == Decimal("290.00")


def test_line_discount_that_does_not_land_on_the_ore_invoices_the_discounted_price():
    line = order_line(1, "ODD", unit_price="33.33", original="49.99", discount=33.33)
    ship = shipment(1, [{"order_line": 1, "quantity": 3, "value": "99.99"}])
    invoice = invoice_from_shipment(order([line], [ship]), ship, mapping_context())

    assert invoice.rows[0].unit_price == Decimal("33.33")
    assert invoice.rows[0].discount_percent == 0
    assert invoice.total == Decimal("99.99")


def test_line_without_sku_fails_with_missing_sku():
    line = order_line(1, "", name="Mystery")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "100"}])
    with pytest.raises(SyncError) as error:
        invoice_from_shipment(order([line], [ship]), ship, mapping_context())
    assert error.value.code == "missing_sku"


def test_order_without_email_fails_with_customer_missing_email():
    with pytest.raises(SyncError) as error:
        customer_from_order(order([], [], email=""), {})
    assert error.value.code == "customer_missing_email"


@pytest.mark.parametrize(("field", "value"), [("quantity", -1), ("quantity", "two"), ("quantity", 0)])
def test_impossible_shipped_quantity_is_invalid_source_data(field, value):
    line = order_line(1, "SKU1")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "100"}])
    ship["lines"][0][field] = value
    with pytest.raises(SyncError) as error:
        invoice_from_shipment(order([line], [ship]), ship, mapping_context())
    assert error.value.code == "invalid_source_data"


def test_centra_total_that_the_rows_cannot_reach_is_a_total_mismatch():
    line = order_line(1, "SKU1")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "100"}], total="120")
    with pytest.raises(SyncError) as error:
        invoice_from_shipment(order([line], [ship]), ship, mapping_context())
    assert error.value.code == "total_mismatch"


def test_guest_without_customer_id_is_keyed_by_email():
    payload = order([], [], email="Guest@Example.com")
    payload["customer"] = None
    assert customer_from_order(payload, {"Email": "Guest@Example.com"}).source_id == "email-guest@example.com"


prices = st.decimals(min_value="0.01", max_value="5000", places=2)
percents = st.sampled_from([0, 6, 12, 25])


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.tuples(prices, st.integers(1, 5), percents, st.integers(0, 60)), min_size=1, max_size=8),
    shipping=st.decimals(min_value="0", max_value="200", places=2),
    discount_share=st.decimals(min_value="0", max_value="0.5", places=3),
)
def test_any_shipment_invoices_exactly_what_centra_captured(lines, shipping, discount_share):
    order_lines, shipped = [], []
    for index, (price, quantity, vat, discount) in enumerate(lines, start=1):
        original = (price * 100 / (100 - discount)).quantize(Decimal("0.01")) if discount else price
        order_lines.append(order_line(index, f"SKU{index}", quantity=quantity, unit_price=str(price),
                                      original=str(original), discount=discount, tax=vat))
        shipped.append({"order_line": index, "quantity": quantity, "value": str(price * quantity)})
    goods = sum(price * quantity for price, quantity, _, _ in lines)
    voucher = (goods * discount_share).quantize(Decimal("0.01"))
    ship = shipment(1, shipped, shipping=str(shipping), discounts=str(-voucher))

    invoice = invoice_from_shipment(order(order_lines, [ship]), ship, mapping_context())

    assert invoice.total == goods + shipping - voucher


def test_whole_unit_tenant_gets_rows_to_the_ore_and_no_rounding_row():
    """Fortnox rounds a whole-unit tenant's total itself (RoundOff): a row of ours would be a plug."""
    line = order_line(1, "SKU1", unit_price="99.60")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "99.60"}])
    invoice = invoice_from_shipment(order([line], [ship]), ship, mapping_context(rounding_decimals=0))

    assert [row.description for row in invoice.rows] == ["Item"]
    assert invoice.total == Decimal("99.60")


@pytest.mark.parametrize("rounding_decimals", [2, 0])
def test_ore_difference_is_a_total_mismatch_naming_both_totals_never_a_rounding_row(rounding_decimals):
    line = order_line(1, "SKU1", unit_price="99.60")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "99.60"}], total="100")
    with pytest.raises(SyncError) as error:
        invoice_from_shipment(order([line], [ship]), ship, mapping_context(rounding_decimals=rounding_decimals))

    assert error.value.code == "total_mismatch"
    assert "99.60 SEK" in error.value.message
    assert "100.00 SEK" in error.value.message


def test_gift_card_is_booked_as_a_liability_without_vat():
    card = order_line(1, "GIFT500", unit_price="500")
    coat = order_line(2, "COAT", unit_price="1500")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "500"},
                        {"order_line": 2, "quantity": 1, "value": "1500"}])
    invoice = invoice_from_shipment(order([card, coat], [ship]), ship, mapping_context(gift_card_skus=["GIFT500"]))

    assert [(row.account, row.vat_percent) for row in invoice.rows] == [(2420, 0), (3001, 25)]


def test_export_and_reverse_charge_sales_carry_no_vat():
    line = order_line(1, "SKU1", unit_price="100")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "100"}])
    export = invoice_from_shipment(order([line], [ship], country="NO", is_eu=False), ship, mapping_context())
    business = order([line], [ship], country="DE")
    business["billingAddress"].update(companyName="Käufer GmbH", vatNumber="DE123456789")
    reverse = invoice_from_shipment(business, ship, mapping_context())

    assert [(row.account, row.vat_percent) for row in export.rows] == [(3105, 0)]
    assert [(row.account, row.vat_percent) for row in reverse.rows] == [(3108, 0)]
