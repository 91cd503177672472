"""OSS end to end: an FR consumer order with goods at 20 % and at 5.5 %, shipping and a voucher,
shipped in two batches and returned in part, checked row by row in what Fortnox stored."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from integrations.flows.runner import run_flow
from integrations.models import Flow, SyncRecord
from mappings.models import InvoiceBooking, OssAccount
from sandbox.centra import services as centra
from sandbox.centra.services.ledger import return_totals, shipment_totals
from sandbox.fortnox.models import Account

pytestmark = pytest.mark.django_db(transaction=True)

FR_20, FR_5_5, FR_FEE, MOVED = 3054, 3064, 3541, 3099


def amount(value) -> Decimal:
    return Decimal(str(value))


def to_cent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def postings(document) -> list[tuple[str, int, Decimal, Decimal]]:
    return [(row["Description"], int(row["AccountNumber"]), amount(row["VAT"]), amount(row["Total"]))
            for row in document["InvoiceRows"]]


def oss_world(world):
    for number, rate in ((FR_20, 20), (FR_5_5, "5.5"), (FR_FEE, "5.5"), (MOVED, 20)):
        Account.objects.create(tenant=world.tenant, number=number, description=f"OSS FR {rate} %",
                               vat_rate=Decimal(rate))
    OssAccount.objects.create(integration=world.integration, country_code="FR", vat_rate=Decimal("20"),
                              sales_account=FR_20)
    OssAccount.objects.create(integration=world.integration, country_code="FR", vat_rate=Decimal("5.5"),
                              sales_account=FR_5_5, return_fee_account=FR_FEE)


def test_fr_order_at_two_rates_is_booked_per_rate_on_invoices_and_credit_and_the_books_balance(world):
    oss_world(world)
    order = world.order(("COAT", 1, "120.00", "120.00", 20), ("SCARF", 2, "21.10", "21.10", "5.5"),
                        country="FR", currency="EUR", shipping="9.90", voucher="15.00")
    coat, scarf = order.lines.order_by("id")
    first = world.ship(order, {coat: 1, scarf: 1})
    centra.complete_shipment(first)
    second = world.ship(order, {scarf: 1})
    centra.complete_shipment(second)
    orders_run = run_flow(world.flow)
    # The settings change after invoicing: the credit must still book like its invoice did.
    OssAccount.objects.filter(integration=world.integration).update(sales_account=MOVED, return_fee_account=None)
    ret = centra.create_return(first, {first.lines.get(order_line=scarf): 1}, voucher_value=centra.FROM_SHIPMENT,
                               shipping_refund=centra.FROM_SHIPMENT, return_cost=Decimal("2.00"))
    centra.complete_return(ret)
    Flow.objects.update_or_create(integration=world.integration, kind=Flow.Kind.REFUNDS,
                                  defaults={"enabled": True, "options": {}})
    refunds_run = run_flow(world.integration.flows.get(kind=Flow.Kind.REFUNDS))

    assert (orders_run.created, orders_run.failed, refunds_run.created, refunds_run.failed) == (2, 0, 1, 0)
    documents = {d["ExternalInvoiceReference1"]: d for d in world.invoices()}
    invoice_1 = documents[f"centra-shipment-{first.pk}"]
    invoice_2 = documents[f"centra-shipment-{second.pk}"]
    credit = documents[f"centra-return-{ret.pk}"]
    twenty, reduced = Decimal("20"), Decimal("5.5")

    # Shipping and voucher of the first batch split over 120.00 at 20 % and 21.10 at 5.5 %.
    shipping_reduced = to_cent(Decimal("9.90") * Decimal("21.10") / Decimal("141.10"))
    voucher_1 = amount(first.voucher_discount)
    voucher_reduced = to_cent(voucher_1 * Decimal("21.10") / Decimal("141.10"))
    assert postings(invoice_1) == [
        ("Wool Coat", FR_20, twenty, Decimal("120.00")),
        ("Wool Scarf", FR_5_5, reduced, Decimal("21.10")),
        ("Shipping (5.5% VAT)", FR_5_5, reduced, shipping_reduced),
        ("Shipping (20% VAT)", FR_20, twenty, Decimal("9.90") - shipping_reduced),
        ("Discount (5.5% VAT)", FR_5_5, reduced, -voucher_reduced),
        ("Discount (20% VAT)", FR_20, twenty, voucher_reduced - voucher_1),
    ]
    assert postings(invoice_2) == [
        ("Wool Scarf", FR_5_5, reduced, Decimal("21.10")),
        ("Discount (5.5% VAT)", FR_5_5, reduced, -amount(second.voucher_discount)),
    ]
    # The credit reverses the first invoice's shipping rows rate for rate and books the returned
    # scarf, its voucher share and the fee at 5.5 % on the accounts the invoice used.
    assert postings(credit) == [
        ("Wool Scarf", FR_5_5, reduced, Decimal("-21.10")),
        ("Shipping refunded (5.5% VAT)", FR_5_5, reduced, -shipping_reduced),
        ("Shipping refunded (20% VAT)", FR_20, twenty, shipping_reduced - Decimal("9.90")),
        ("Discount reversed (5.5% VAT)", FR_5_5, reduced, amount(ret.voucher_value)),
        ("Return fee", FR_FEE, reduced, Decimal("2.00")),
    ]
    invoiced = sum(amount(document["Total"]) for document in (invoice_1, invoice_2))
    credited = -amount(credit["Total"])
    captured = sum(shipment_totals(shipment)["grand_total"] for shipment in (first, second))
    assert invoiced - credited == captured - return_totals(ret)["grand_total"]
    assert amount(invoice_1["RoundOff"]) == amount(credit["RoundOff"]) == 0
    assert InvoiceBooking.objects.filter(link__integration=world.integration, link__object_type="invoice").count() == 2


def test_fr_rate_without_an_oss_account_fails_the_shipment_with_unmapped_oss_rate(world):
    oss_world(world)
    OssAccount.objects.filter(integration=world.integration, vat_rate=Decimal("5.5")).delete()
    world.ship(world.order(("SCARF", 1, "21.10", "21.10", "5.5"), country="FR", currency="EUR"))

    run = run_flow(world.flow)

    record = SyncRecord.objects.get(run=run)
    assert record.error_code == "unmapped_oss_rate"
    assert "FR at 5.5 %" in record.message
    assert world.invoices() == []
