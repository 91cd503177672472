"""Which account and VAT each row is booked on: the rate Centra charged, the (country, rate) account,
shipping/discounts/fees split over the goods' rates, and credits booked exactly as their invoice."""

from decimal import Decimal

import pytest

from integrations.domain.errors import SyncError
from mappings.centra import credit_invoice_from_return, invoice_from_shipment

from .centra_payloads import centra_return, mapping_context, order, order_line, shipment

FR_OSS = {("FR", "20"): (3054,), ("FR", "5.5"): (3064,)}


def fr_order(lines, shipments):
    return order(lines, shipments, country="FR", currency="EUR")


def postings(rows):
    return [(row.description, row.account, row.vat_percent, row.total) for row in rows]


def test_line_charged_20_percent_in_france_is_booked_at_20_on_the_fr_20_account_whatever_reduced_rate_exists():
    coat = order_line(1, "COAT", unit_price="120", tax=20)
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "120"}], currency="EUR")
    for oss in (FR_OSS, {("FR", "20"): (3054,)}, {("FR", "20"): (3054,), ("FR", "2.1"): (3074,)}):
        invoice = invoice_from_shipment(fr_order([coat], [ship]), ship, mapping_context(oss=oss))
        assert postings(invoice.rows) == [("Item", 3054, Decimal("20"), Decimal("120.00"))]


def test_reduced_rate_line_is_booked_at_its_own_rate_on_its_own_account():
    book = order_line(1, "BOOK", unit_price="21.10", tax="5.5")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "21.10"}], currency="EUR")
    invoice = invoice_from_shipment(fr_order([book], [ship]), ship, mapping_context(oss=FR_OSS))

    assert postings(invoice.rows) == [("Item", 3064, Decimal("5.5"), Decimal("21.10"))]


def test_oss_rate_without_an_account_fails_with_unmapped_oss_rate_naming_country_and_rate():
    book = order_line(1, "BOOK", unit_price="21.10", tax="5.5")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "21.10"}], currency="EUR")
    with pytest.raises(SyncError) as error:
        invoice_from_shipment(fr_order([book], [ship]), ship, mapping_context(oss={("FR", "20"): (3054,)}))

    assert error.value.code == "unmapped_oss_rate"
    assert "add an OSS sales account for FR at 5.5 %" in error.value.message


def test_oss_country_without_any_account_fails_with_unmapped_vat():
    coat = order_line(1, "COAT", unit_price="120", tax=20)
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "120"}], currency="EUR")
    with pytest.raises(SyncError) as error:
        invoice_from_shipment(fr_order([coat], [ship]), ship, mapping_context(oss={("DE", "19"): (3051,)}))

    assert error.value.code == "unmapped_vat"
    assert "FR at 20 %" in error.value.message


def test_domestic_sale_at_a_rate_the_home_country_does_not_have_fails_with_unknown_vat_rate():
    line = order_line(1, "SKU1", unit_price="100", tax=20)
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "100"}])
    with pytest.raises(SyncError) as error:
        invoice_from_shipment(order([line], [ship]), ship, mapping_context())

    assert error.value.code == "unknown_vat_rate"


def test_shipping_on_a_mixed_oss_shipment_splits_by_the_goods_rates_on_the_country_accounts():
    coat = order_line(1, "COAT", unit_price="200", tax=20)
    book = order_line(2, "BOOK", unit_price="100", tax="5.5")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "200"},
                        {"order_line": 2, "quantity": 1, "value": "100"}], shipping="10", currency="EUR")
    invoice = invoice_from_shipment(fr_order([coat, book], [ship]), ship, mapping_context(oss=FR_OSS))

    shipping = [row for row in invoice.rows if row.description.startswith("Shipping")]
    assert postings(shipping) == [("Shipping (5.5% VAT)", 3064, Decimal("5.5"), Decimal("3.33")),
                                  ("Shipping (20% VAT)", 3054, Decimal("20"), Decimal("6.67"))]
    assert invoice.total == Decimal("310.00")


def test_domestic_shipping_on_mixed_rates_splits_on_the_freight_account_to_the_ore():
    shirt = order_line(1, "SHIRT", unit_price="100", tax=25)
    food = order_line(2, "FOOD", unit_price="100", tax=12)
    paper = order_line(3, "PAPER", unit_price="100", tax=6)
    ship = shipment(1, [{"order_line": i, "quantity": 1, "value": "100"} for i in (1, 2, 3)], shipping="49")
    invoice = invoice_from_shipment(order([shirt, food, paper], [ship]), ship, mapping_context())

    shipping = [row for row in invoice.rows if row.description.startswith("Shipping")]
    assert postings(shipping) == [("Shipping (6% VAT)", 3520, Decimal("6"), Decimal("16.33")),
                                  ("Shipping (12% VAT)", 3520, Decimal("12"), Decimal("16.34")),
                                  ("Shipping (25% VAT)", 3520, Decimal("25"), Decimal("16.33"))]
    assert sum(row.total for row in shipping) == Decimal("49")


def test_shipping_of_a_single_rate_shipment_is_one_row():
    coat = order_line(1, "COAT", unit_price="1500")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "1500"}], shipping="49")
    invoice = invoice_from_shipment(order([coat], [ship]), ship, mapping_context())

    assert postings(invoice.rows[1:]) == [("Shipping", 3520, Decimal("25"), Decimal("49.00"))]


def test_discount_rows_name_their_vat_in_plain_numbers_and_stay_on_the_oss_accounts():
    coat = order_line(1, "COAT", unit_price="200", tax=20)
    book = order_line(2, "BOOK", unit_price="100", tax="5.5")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "200"},
                        {"order_line": 2, "quantity": 1, "value": "100"}], discounts="-30", currency="EUR")
    invoice = invoice_from_shipment(fr_order([coat, book], [ship]), ship,
                                    mapping_context(oss=FR_OSS, discount_account=3731))

    discounts = [row for row in invoice.rows if row.description.startswith("Discount")]
    assert postings(discounts) == [("Discount (5.5% VAT)", 3064, Decimal("5.5"), Decimal("-10.00")),
                                   ("Discount (20% VAT)", 3054, Decimal("20"), Decimal("-20.00"))]


def test_domestic_discount_uses_the_discount_account_and_names_whole_rates_without_exponents():
    coat = order_line(1, "COAT", unit_price="200", tax=25)
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "200"}], discounts="-20")
    invoice = invoice_from_shipment(order([coat], [ship]), ship, mapping_context(discount_account=3731))

    assert postings(invoice.rows[1:]) == [("Discount (25% VAT)", 3731, Decimal("25"), Decimal("-20.00"))]


def test_reverse_charge_discount_shares_on_the_same_account_and_vat_are_one_row():
    coat = order_line(1, "COAT", unit_price="200", tax=25)
    book = order_line(2, "BOOK", unit_price="100", tax=6)
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "200"},
                        {"order_line": 2, "quantity": 1, "value": "100"}], discounts="-30", currency="EUR")
    business = order([coat, book], [ship], country="DE", currency="EUR")
    business["billingAddress"].update(companyName="Käufer GmbH", vatNumber="DE123456789")
    invoice = invoice_from_shipment(business, ship, mapping_context())

    assert postings(invoice.rows[2:]) == [("Discount (0% VAT)", 3108, Decimal("0"), Decimal("-30.00"))]


def fr_sale_and_return(*, fee="0", shipping_refund="0"):
    coat = order_line(1, "COAT", unit_price="200", tax=20)
    book = order_line(2, "BOOK", unit_price="100", tax="5.5")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "200"},
                        {"order_line": 2, "quantity": 1, "value": "100"}], shipping="10", currency="EUR")
    sale = fr_order([coat, book], [ship])
    ret = centra_return(5, sale, ship, [(1, 1, "200")], fee=fee, shipping=shipping_refund)
    return sale, ship, ret


def test_oss_return_fee_follows_the_returned_goods_rate_on_the_country_return_fee_account():
    sale, ship, ret = fr_sale_and_return(fee="15")
    context = mapping_context("refunds", oss={("FR", "20"): (3054, 3541), ("FR", "5.5"): (3064,)})
    credit = credit_invoice_from_return(ret, context, "1")

    [fee] = [row for row in credit.rows if row.description.startswith("Return fee")]
    assert (fee.account, fee.vat_percent, fee.total) == (3541, Decimal("20"), Decimal("15.00"))


def test_oss_return_fee_without_its_own_account_goes_on_the_country_sales_account():
    sale, ship, ret = fr_sale_and_return(fee="15")
    credit = credit_invoice_from_return(ret, mapping_context("refunds", oss=FR_OSS), "1")

    [fee] = [row for row in credit.rows if row.description.startswith("Return fee")]
    assert (fee.account, fee.vat_percent) == (3054, Decimal("20"))


def test_domestic_return_fee_stays_on_the_return_fee_account_at_the_goods_rate():
    coat = order_line(1, "COAT", unit_price="1500")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "1500"}])
    ret = centra_return(5, order([coat], [ship]), ship, [(1, 1, "1500")], fee="59")
    credit = credit_invoice_from_return(ret, mapping_context("refunds"), "1")

    assert postings(credit.rows) == [("Item", 3001, Decimal("25"), Decimal("-1500.00")),
                                     ("Return fee", 3540, Decimal("25"), Decimal("59.00"))]


def test_credit_invoice_reuses_the_invoice_booking_even_after_the_settings_changed():
    sale, ship, ret = fr_sale_and_return(shipping_refund="10")
    invoice = invoice_from_shipment(sale, ship, mapping_context(oss=FR_OSS))
    moved = mapping_context("refunds", oss={("FR", "20"): (3099,), ("FR", "5.5"): (3098,)})

    credit = credit_invoice_from_return(ret, moved, "1", invoice.booking)
    recomputed = credit_invoice_from_return(ret, moved, "1")

    invoice_postings = {(row.account, row.vat_percent) for row in invoice.rows}
    assert {(row.account, row.vat_percent) for row in credit.rows} <= invoice_postings
    # Refunded shipping reverses the invoice's two shipping rows, rate for rate.
    assert [(row.account, row.vat_percent, row.total) for row in credit.rows if "Shipping" in row.description] == \
        [(row.account, row.vat_percent, -row.total) for row in invoice.rows if "Shipping" in row.description]
    # An invoice linked before snapshots were kept is booked from today's settings, its refunded
    # shipping split over the returned goods (the invoice's split is not known).
    assert postings(recomputed.rows) == [("Item", 3099, Decimal("20"), Decimal("-200.00")),
                                         ("Shipping refunded", 3099, Decimal("20"), Decimal("-10.00"))]


def test_credit_of_a_gift_card_stays_a_liability_if_the_sku_list_changed_since():
    card = order_line(1, "GIFT500", unit_price="500")
    ship = shipment(1, [{"order_line": 1, "quantity": 1, "value": "500"}])
    sale = order([card], [ship])
    invoice = invoice_from_shipment(sale, ship, mapping_context(gift_card_skus=["GIFT500"]))
    ret = centra_return(5, sale, ship, [(1, 1, "500")])

    credit = credit_invoice_from_return(ret, mapping_context("refunds"), "1", invoice.booking)

    assert postings(credit.rows) == [("Item", 2420, Decimal("0"), Decimal("-500.00"))]
