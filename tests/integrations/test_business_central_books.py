"""Property: on Business Central too, invoices − credit memos = captured − refunded, to the cent.

Orders, shipments and partial returns come from the Centra simulator's own rules, read back through
its GraphQL API, mapped with the Business Central presets and posting groups, and posted to the BC
simulator as the adapter shapes them: BC computes each line (quantity × price less the discount
amount, VAT from the VAT posting setup of the customer's business group and the line's product
group), and the posted totals must be Centra's, in every market: domestic, OSS and export.
"""

import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from integrations.connectors.business_central.erp import BusinessCentralERP
from integrations.connectors.centra.client import ORDERS_QUERY, RETURNS_QUERY
from mappings.centra import MappingContext, credit_invoice_from_return, invoice_from_shipment
from mappings.models import Bookkeeping, PostingGroups
from mappings.presets import PRESETS
from mappings.services import MappingSet, Rule
from sandbox.business_central import records as bc_records
from sandbox.business_central import services as bc
from sandbox.business_central.ratelimit import limits
from sandbox.centra import services as centra
from tests.mappings.test_money_properties import MARKETS, Rollback, graphql, line

pytestmark = pytest.mark.django_db
GROUPS = {"oss": {"FI": "OSS-FI", "DK": "OSS-DK"},
          "vat_products": {"25": "VAT25", "12": "VAT12", "6": "VAT6", "0": "VAT0", "25.5": "VAT25.5",
                           "14": "VAT14", "10": "VAT10"}}


def context(flow_kind: str) -> MappingContext:
    specs = PRESETS[("centra", "business_central", flow_kind)]
    rules = [Rule(s.target, s.source_path, s.transform, s.argument) for s in specs]
    return MappingContext(MappingSet(rules, {}), Bookkeeping(), {}, PostingGroups(**GROUPS))


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
def test_posted_invoices_minus_credit_memos_equal_captured_minus_refunded(db, currency, lines, shipping,
                                                                          voucher_share, split, returned,
                                                                          refund_shipping, fee):
    try:
        with transaction.atomic():
            check_books(currency, lines, shipping, voucher_share, split, returned, refund_shipping, fee)
            raise Rollback
    except Rollback:
        pass


def check_books(currency, lines, shipping, voucher_share, split, returned, refund_shipping, fee):
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

    books = Books([str(p["sku"]) for p in specs])
    [centra_order] = graphql(store, ORDERS_QUERY, {"where": {"id": [order.hash_id]}, "limit": 1, "page": 1})["orders"]
    invoices = {s["id"]: invoice_from_shipment(centra_order, s, context("orders")) for s in centra_order["shipments"]}
    posted = {shipment_id: books.post(document) for shipment_id, document in invoices.items()}
    centra_returns = graphql(store, RETURNS_QUERY, {"where": {"id": [r.pk for r in returns]},
                                                    "limit": 50, "page": 1})["returns"] if returns else []
    credits = [books.post(credit_invoice_from_return(r, context("refunds"), posted[r["shipment"]["id"]]["number"],
                                                     invoices[r["shipment"]["id"]].booking))
               for r in centra_returns]

    captured = sum(Decimal(str(s["grandTotal"]["value"])) for s in centra_order["shipments"])
    refunded = sum(Decimal(str(r["grandTotal"]["value"])) for r in centra_returns)
    event(f"{country}: {len(invoices)} invoice(s), {len(credits)} credit memo(s)")
    for stored, centra_total in zip([*posted.values(), *credits],
                                    [Decimal(str(s["grandTotal"]["value"])) for s in centra_order["shipments"]]
                                    + [Decimal(str(r["grandTotal"]["value"])) for r in centra_returns], strict=True):
        assert stored["status"] in ("Open", "Paid")
        assert Decimal(str(stored["totalAmountIncludingTax"])) == centra_total
    for credit in credits:
        assert credit["invoiceNumber"] in {invoice["number"] for invoice in posted.values()}
    books_total = sum(Decimal(str(d["totalAmountIncludingTax"])) for d in posted.values()) \
        - sum(Decimal(str(d["totalAmountIncludingTax"])) for d in credits)
    assert books_total == captured - refunded


class Books:
    """A fresh BC company; documents posted to it over the simulator's HTTP API as the adapter shapes them."""

    def __init__(self, skus):
        limits.reset()
        environment = bc.create_environment("books.example", rate_limit_requests=10**6)
        self.company = bc.create_company(environment, "BOOKS", "Books AB")
        for sku in skus:
            bc.create_item(self.company, sku, sku)
        app = bc.create_app("books-bc-client", "books-bc-secret", "books.example")
        self.token = bc.issue_token(app)["access_token"]
        self.adapter = BusinessCentralERP(client=None)  # only shapes payloads here: nothing is sent through it
        self.customers: dict[str, str] = {}

    def customer(self, business_group: str) -> str:
        """One customer per VAT business posting group (what the adapter gives a buyer before posting)."""
        if business_group not in self.customers:
            area = bc_records.by_number(self.company, "taxAreas", business_group)
            self.customers[business_group] = bc.create_customer(
                self.company, displayName=f"Buyer {business_group}", taxAreaId=str(area.id)).number
        return self.customers[business_group]

    def call(self, path: str, body=None) -> dict:
        url = f"/sandbox/business_central/v2.0/books.example/production/api/v2.0/companies({self.company.id})/{path}"
        answer = Client().post(url, json.dumps(body) if body is not None else None, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {self.token}")
        assert answer.status_code in (201, 204), answer.content
        return answer.json() if answer.content else {}

    def post(self, document) -> dict:
        entity = "salesCreditMemos" if document.is_credit else "salesInvoices"
        groups = document.booking["posting_groups"]
        payload = self.adapter.document_payload(document, self.customer(groups["vat_business"]))
        draft = self.call(entity, payload)
        lines = draft["salesCreditMemoLines" if document.is_credit else "salesInvoiceLines"]
        assert [Decimal(str(ln["taxPercent"])) for ln in lines if ln["lineType"] != "Comment"] == \
            [row.vat_percent for row in document.rows]  # BC's VAT is the rate Centra charged, line by line
        self.call(f"{entity}({draft['id']})/Microsoft.NAV.post")
        return bc.credit_memos(self.company)[-1] if document.is_credit else \
            next(i for i in bc.invoices(self.company) if i["id"] == draft["id"])
