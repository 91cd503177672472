"""Returns become credit invoices that reverse their invoice exactly; customers never duplicate."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from integrations.flows.runner import run_flow
from integrations.models import Flow, SyncRecord
from mappings.models import Bookkeeping, FieldMapping, OssAccount, ValueMapEntry
from mappings.services import install_preset
from sandbox.centra import services as centra
from sandbox.fortnox.models import Account

pytestmark = pytest.mark.django_db(transaction=True)


def enable(world, kind, **options):
    flow, _ = Flow.objects.update_or_create(integration=world.integration, kind=kind,
                                            defaults={"enabled": True, "options": options})
    return flow


def total(invoice):
    return Decimal(str(invoice["Total"]))


def rows_on(invoice, account):
    return [row for row in invoice["InvoiceRows"] if int(row["AccountNumber"]) == account]


def shipped_and_invoiced(world, *lines, **order_kwargs):
    order = world.order(*lines, **order_kwargs)
    shipment = world.ship(order)
    centra.complete_shipment(shipment)
    run_flow(world.flow)
    return order, shipment


def test_credit_invoice_total_equals_refund_including_discount_rows(world):
    _, shipment = shipped_and_invoiced(world, ("COAT", 2, "1350", "1500"), ("SCARF", 1, "149"), voucher="200")
    coat_line = shipment.lines.get(order_line__size__variant__product__product_number="COAT")
    ret = centra.create_return(shipment, {coat_line: 1}, voucher_value=centra.FROM_SHIPMENT)
    centra.complete_return(ret)

    run = run_flow(enable(world, Flow.Kind.REFUNDS))

    assert (run.created, run.failed) == (1, 0)
    credit = next(i for i in world.invoices() if i["ExternalInvoiceReference1"] == f"centra-return-{ret.pk}")
    voucher_back = Decimal("200") * Decimal("1350") / Decimal("2849")
    refund = Decimal("1350") - voucher_back.quantize(Decimal("0.01"))
    assert total(credit) == -refund
    assert credit["Credit"] == "true"
    discount_rows = [row for row in credit["InvoiceRows"] if row["Description"].startswith("Discount reversed")]
    assert discount_rows  # the original discount rows come back, in proportion
    assert sum(Decimal(str(r["Price"])) * Decimal(str(r["DeliveredQuantity"])) for r in discount_rows) > 0


def test_return_fee_goes_to_return_fee_account_not_shipping(world):
    _, shipment = shipped_and_invoiced(world, ("COAT", 1, "1500"), shipping="49")
    ret = centra.create_return(shipment, {shipment.lines.get(): 1}, shipping_refund=Decimal("49"),
                               return_cost=Decimal("59"))
    centra.complete_return(ret)
    bookkeeping = Bookkeeping.objects.get_or_create(integration=world.integration)[0]

    run_flow(enable(world, Flow.Kind.REFUNDS))

    credit = next(i for i in world.invoices() if i["Credit"] == "true")
    [fee] = rows_on(credit, bookkeeping.return_fee_account)
    assert Decimal(str(fee["Price"])) * Decimal(str(fee["DeliveredQuantity"])) == Decimal("59")
    freight_rows = rows_on(credit, bookkeeping.freight_account)
    assert [row["Description"] for row in freight_rows] == ["Shipping refunded"]
    assert total(credit) == -(Decimal("1500") + Decimal("49") - Decimal("59"))


def test_oss_sales_account_applies_to_credit_invoice_too(world):
    Account.objects.create(tenant=world.tenant, number=3051, description="OSS DE 19 %", vat_rate=19)
    OssAccount.objects.create(integration=world.integration, country_code="DE", sales_account=3051,
                              vat_rate=Decimal("19"))
    _, shipment = shipped_and_invoiced(world, ("SHIRT", 2, "45", "45", 19), country="DE", currency="EUR",
                                       shipping="5.90")
    ret = centra.create_return(shipment, {shipment.lines.get(): 1}, shipping_refund=Decimal("5.90"))
    centra.complete_return(ret)

    run_flow(enable(world, Flow.Kind.REFUNDS))

    invoice, credit = sorted(world.invoices(), key=lambda i: i["Credit"])
    for document in (invoice, credit):
        assert {int(row["AccountNumber"]) for row in document["InvoiceRows"]} == {3051}
        assert {Decimal(str(row["VAT"])) for row in document["InvoiceRows"]} == {Decimal("19")}
    assert total(invoice) == Decimal("95.90")
    assert total(credit) == Decimal("-50.90")


def test_eu_consumer_without_oss_account_fails_with_unmapped_vat(world):
    world.ship(world.order(("SHIRT", 1, "45", "45", 19), country="DE", currency="EUR"))

    run = run_flow(world.flow)

    assert SyncRecord.objects.get(run=run).error_code == "unmapped_vat"


def test_return_waits_for_the_invoice_of_its_shipment(world):
    order = world.order(("COAT", 1, "1500"))
    shipment = world.ship(order)
    centra.complete_shipment(shipment)
    centra.complete_return(centra.create_return(shipment, {shipment.lines.get(): 1}))
    refunds = enable(world, Flow.Kind.REFUNDS)

    waiting = run_flow(refunds)
    run_flow(world.flow)
    credited = run_flow(refunds)

    assert SyncRecord.objects.get(run=waiting).error_code == "original_invoice_missing"
    assert credited.created == 1


def test_changed_customer_email_updates_instead_of_duplicating(world):
    buyer = centra.create_customer(world.store, "old@example.com", "Anna", "Berg")
    customers = enable(world, Flow.Kind.CUSTOMERS)
    first = run_flow(customers)
    buyer.email = "new@example.com"
    buyer.save()

    second = run_flow(customers)

    assert first.created == 1
    assert second.updated == 1
    [customer] = world.customers()
    assert customer["Email"] == "new@example.com"


def test_buyer_of_an_order_is_matched_to_the_customer_synced_before(world):
    buyer = centra.create_customer(world.store, "anna@example.com", "Anna", "Berg")
    run_flow(enable(world, Flow.Kind.CUSTOMERS))
    world.ship(world.order(("COAT", 1, "1500"), email="anna@example.com", customer=buyer))

    run_flow(world.flow)

    assert len(world.customers()) == 1


def test_company_is_matched_by_organisation_number(world):
    from sandbox.fortnox.models import Customer as FortnoxCustomer

    world.ship(world.order(("COAT", 1, "1500"), email="first@nordic.example",
                           billing={"companyName": "Nordic Retail AB", "vatNumber": "SE556677889901"}))
    run_flow(world.flow)
    world.ship(world.order(("SCARF", 1, "149"), email="second@nordic.example",
                           billing={"companyName": "Nordic Retail AB", "vatNumber": "SE556677889901"}))

    run_flow(world.flow)

    assert FortnoxCustomer.objects.filter(tenant=world.tenant).count() == 1
    assert world.customers()[0]["OrganisationNumber"] == "556677-8899"


def test_flow_cannot_go_live_with_required_field_unmapped(world):
    install_preset(world.integration, "orders")
    FieldMapping.objects.filter(integration=world.integration, target="Customer.Email").delete()
    flow = world.flow

    with pytest.raises(ValidationError) as error:
        flow.full_clean()
    assert "Customer.Email" in str(error.value)
    run = run_flow(flow)
    assert (run.status, run.error_code) == ("failed", "unmapped_required_field")


def test_only_selected_markets_are_synced(world):
    sweden = centra.create_market(world.store, "Sweden", country_codes=("SE",))
    test_market = centra.create_market(world.store, "Test market", country_codes=("SE",))
    Bookkeeping.objects.update_or_create(integration=world.integration, defaults={"markets": ["Sweden"]})
    kept = world.ship(world.order(("COAT", 1, "1500"), market=sweden))
    world.ship(world.order(("SCARF", 1, "149"), market=test_market))

    run = run_flow(world.flow)

    assert run.created == 1
    assert [i["ExternalInvoiceReference1"] for i in world.invoices()] == [f"centra-shipment-{kept.pk}"]


def test_payment_method_maps_to_terms_of_payment(world):
    ValueMapEntry.objects.create(integration=world.integration, map_name="terms_of_payment",
                                 source_value="Klarna Checkout", target_value="10")
    world.ship(world.order(("COAT", 1, "1500")))

    run_flow(world.flow)

    assert world.invoices()[0]["TermsOfPayment"] == "10"
