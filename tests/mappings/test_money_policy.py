"""One money policy: what Fortnox computes a row to is what our documents compute it to."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from integrations.connectors.fortnox.erp import FortnoxERP
from integrations.connectors.fortnox.payloads import money as payload_money
from integrations.domain.documents import InvoiceRow
from integrations.domain.money import percent_text, round_money, row_total, split
from mappings.transforms import TRANSFORMS
from sandbox.fortnox import invoice_rows, totals


def test_prices_and_quantities_round_half_up_like_fortnox_not_half_even():
    assert row_total(Decimal("1.125"), 1) == Decimal("1.13")  # Fortnox: 1.125 -> 1.13
    assert row_total(Decimal("10"), Decimal("1.125")) == Decimal("11.30")
    assert row_total(Decimal("0.005"), 1) == Decimal("0.01")  # half-even would make it 0.00
    assert round_money(Decimal("2.5"), 0) == 3
    assert round_money(Decimal("-2.5"), 0) == -3


def test_payloads_and_the_round2_transform_round_by_the_same_policy():
    assert payload_money(Decimal("0.125")) == 0.13
    assert TRANSFORMS["round2"]("0.125", "", {}) == Decimal("0.13")


amounts = st.decimals(min_value="-5000", max_value="5000", places=3)
quantities = st.decimals(min_value="-20", max_value="20", places=3)
discounts = st.sampled_from([Decimal(0), Decimal(10), Decimal("33.333"), Decimal("12.5"), Decimal(100)])


@given(price=amounts, quantity=quantities, discount=discounts)
def test_our_row_total_is_the_fortnox_simulators_row_total(price, quantity, discount):
    row = InvoiceRow("x", quantity, price, Decimal(25), discount_percent=discount)
    [stored] = invoice_rows.clean_rows([FortnoxERP(client=None).row_payload(row)])

    assert row.total == totals.row_total(stored)


weights = st.dictionaries(st.sampled_from([Decimal(0), Decimal(6), Decimal(12), Decimal("5.5"), Decimal(25)]),
                          st.decimals(min_value="0", max_value="10000", places=2), min_size=1)


@given(amount=st.decimals(min_value="0.01", max_value="10000", places=2), weights=weights)
def test_a_split_adds_up_to_the_amount_to_the_ore_and_no_share_is_negative(amount, weights):
    shares = split(amount, weights)

    assert sum(share for _, share in shares) == amount
    assert all(share > 0 and share == round_money(share) for _, share in shares)
    assert [key for key, _ in shares] == sorted(key for key, _ in shares)


def test_the_last_rate_takes_the_rest_of_a_split():
    assert split(Decimal("10"), {Decimal(6): Decimal(100), Decimal(25): Decimal(200)}) == [
        (Decimal(6), Decimal("3.33")), (Decimal(25), Decimal("6.67"))]


def test_vat_rates_read_as_people_write_them():
    assert [percent_text(rate) for rate in (Decimal("2E+1"), Decimal("5.50"), Decimal("25.5"), Decimal("0.00"))] == [
        "20", "5.5", "25.5", "0"]
