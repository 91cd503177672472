"""Bad Centra input becomes a catalog error, never a crash: fuzzed at the mapping layer."""

import copy
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.domain.errors import CATALOG, SyncError
from mappings.centra import credit_invoice_from_return, invoice_from_shipment

from .centra_payloads import mapping_context, order, order_line, shipment

BAD_VALUES = st.one_of(
    st.none(), st.just(""), st.just({}), st.just([]), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=3000),
    st.just("\udcff invalid \x00 utf-8"), st.just("X" * 100_000), st.just({"value": "NaN"}),
    st.just({"value": -5}), st.just({"code": "XXX"}),
)


def good_order():
    coat = order_line(1, "COAT38", unit_price="1350", original="1500", discount=10)
    scarf = order_line(2, "SCARF", unit_price="149")
    ship = shipment(7, [{"order_line": 1, "quantity": 1, "value": "1350"},
                        {"order_line": 2, "quantity": 2, "value": "298"}], shipping="49", discounts="-100")
    return order([coat, scarf], [ship]), ship


def attempt(mapping, *args):
    """The document, or the catalog error: anything else escaping is the bug this test looks for."""
    try:
        return mapping(*args)
    except SyncError as error:
        return error


def paths(value, prefix=()):
    """Every path into a payload, to break one at a time."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def replaced(payload, path, bad):
    payload = copy.deepcopy(payload)
    target = payload
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = bad
    return payload


ORDER, SHIPMENT = good_order()
ORDER_PATHS = [p for p in paths(ORDER) if p and p[0] != "shipments"]
SHIPMENT_PATHS = [p for p in paths(SHIPMENT) if p]


@settings(max_examples=400, deadline=None)
@given(where=st.sampled_from(["order", "shipment"]), data=st.data(), bad=BAD_VALUES)
def test_any_broken_field_gives_an_invoice_that_adds_up_or_a_catalog_error(where, data, bad):
    path = data.draw(st.sampled_from(ORDER_PATHS if where == "order" else SHIPMENT_PATHS))
    order_payload, shipment_payload = ORDER, SHIPMENT
    if where == "order":
        order_payload = replaced(ORDER, path, bad)
    else:
        shipment_payload = replaced(SHIPMENT, path, bad)
    outcome = attempt(invoice_from_shipment, order_payload, shipment_payload, mapping_context())
    if isinstance(outcome, SyncError):
        assert outcome.code in CATALOG
        assert outcome.message
    else:
        assert outcome.total == Decimal(str(shipment_payload["grandTotal"]["value"])).quantize(Decimal("0.01"))


@settings(max_examples=150, deadline=None)
@given(bad=BAD_VALUES, key=st.sampled_from(["lines", "totals", "grandTotal", "order", "shipment", "id"]))
def test_any_broken_return_gives_a_credit_or_a_catalog_error(bad, key):
    ret = {"id": 3, "status": "COMPLETED", "createdAt": "2026-11-21T10:00:00+01:00", "order": ORDER,
           "shipment": {"id": 7, "number": "1000-1"},
           "lines": [{"id": 1, "quantity": 1, "orderLine": {"id": 1}, "lineValue": {"value": 1350.0}}],
           "totals": {"shipping": {"value": 0}, "handling": {"value": 0}, "returnCost": {"value": 0},
                      "discounts": {"value": 0}},
           "grandTotal": {"value": 1350.0, "currency": {"code": "SEK"}}}
    ret[key] = bad
    outcome = attempt(credit_invoice_from_return, ret, mapping_context("refunds"), "12")
    if isinstance(outcome, SyncError):
        assert outcome.code in CATALOG
    else:
        assert outcome.total == -Decimal("1350")
