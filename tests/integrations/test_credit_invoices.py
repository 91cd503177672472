"""Credit invoices an accountant recognises: Fortnox links each to the invoice it credits.

Fortnox links a credit only when it makes it (`PUT /invoices/{n}/credit`); a partial return then
replaces the copy's rows with the returned ones. A second return of the same shipment is still
credited, exactly, as a credit invoice of its own that names the invoice it credits.
"""

from decimal import Decimal

import pytest

from integrations.connectors.fortnox.client import FortnoxClient
from integrations.domain.errors import SyncError
from integrations.flows.runner import run_flow
from integrations.models import Flow, SyncRecord
from sandbox.centra import services as centra

pytestmark = pytest.mark.django_db(transaction=True)


def enable_refunds(world) -> Flow:
    flow, _ = Flow.objects.update_or_create(integration=world.integration, kind=Flow.Kind.REFUNDS,
                                            defaults={"enabled": True, "options": {}})
    return flow


def shipped_and_invoiced(world, *lines, **kwargs):
    shipment = world.ship(world.order(*lines, **kwargs))
    centra.complete_shipment(shipment)
    run_flow(world.flow)
    return shipment


def returned(shipment, sku: str, quantity: int, **kwargs):
    line = shipment.lines.get(order_line__size__variant__product__product_number=sku)
    ret = centra.create_return(shipment, {line: quantity}, **kwargs)
    centra.complete_return(ret)
    return ret


def by_reference(world, reference: str) -> dict:
    return next(i for i in world.invoices() if i["ExternalInvoiceReference1"] == reference)


def total(document: dict) -> Decimal:
    return Decimal(str(document["Total"]))


def test_credit_invoice_is_linked_to_the_invoice_it_credits(world):
    shipment = shipped_and_invoiced(world, ("COAT", 1, "1500"), ("SCARF", 2, "149"))
    ret = returned(shipment, "SCARF", 1)

    run = run_flow(enable_refunds(world))

    assert (run.created, run.failed) == (1, 0)
    invoice = by_reference(world, f"centra-shipment-{shipment.pk}")
    credit = by_reference(world, f"centra-return-{ret.pk}")
    assert credit["Credit"] == "true"
    assert credit["InvoiceReference"] == invoice["DocumentNumber"]
    assert invoice["CreditInvoiceReference"] == credit["DocumentNumber"]
    assert total(credit) == Decimal("-149.00")  # only the returned scarf, not a copy of the whole invoice
    assert [row["ArticleNumber"] for row in credit["InvoiceRows"]] == ["SCARF"]
    assert Decimal(str(credit["InvoiceRows"][0]["DeliveredQuantity"])) == Decimal("-1")


def test_second_partial_return_of_a_shipment_is_credited_exactly(world):
    shipment = shipped_and_invoiced(world, ("COAT", 1, "1500"), ("SCARF", 2, "149"), shipping="49")
    refunds = enable_refunds(world)
    first = returned(shipment, "SCARF", 1)
    run_flow(refunds)
    second = returned(shipment, "COAT", 1, shipping_refund=centra.FROM_SHIPMENT)

    run = run_flow(refunds)

    assert (run.created, run.failed) == (1, 0)
    invoice = by_reference(world, f"centra-shipment-{shipment.pk}")
    first_credit = by_reference(world, f"centra-return-{first.pk}")
    second_credit = by_reference(world, f"centra-return-{second.pk}")
    assert total(first_credit) == Decimal("-149.00")
    assert total(second_credit) == Decimal("-1549.00")  # the coat and the shipping refunded
    assert second_credit["Credit"] == "true"
    assert f"Credits invoice {invoice['DocumentNumber']}." in second_credit["Remarks"]
    assert invoice["CreditInvoiceReference"] == first_credit["DocumentNumber"]
    assert total(invoice) + total(first_credit) + total(second_credit) == Decimal("149.00")


def test_credit_interrupted_after_fortnox_made_it_is_finished_not_duplicated(world, monkeypatch):
    shipment = shipped_and_invoiced(world, ("COAT", 1, "1500"), ("SCARF", 1, "149"))
    ret = returned(shipment, "SCARF", 1)
    refunds = enable_refunds(world)
    real_put = FortnoxClient.put
    interrupted = []

    def dies_before_replacing_rows(self, path, payload=None, *, idempotent=True):
        if path.startswith("invoices/") and payload and not interrupted:
            interrupted.append(path)  # /credit went through; the worker dies before the rows are put
            raise SyncError("write_outcome_unknown", "The connection dropped.")
        return real_put(self, path, payload, idempotent=idempotent)

    monkeypatch.setattr(FortnoxClient, "put", dies_before_replacing_rows)
    failed = run_flow(refunds)
    monkeypatch.undo()
    SyncRecord.objects.filter(status="failed").update(next_retry_at=None)
    retried = run_flow(refunds)

    assert SyncRecord.objects.get(run=failed).error_code == "write_outcome_unknown"
    assert retried.created == 1
    credits = [i for i in world.invoices() if i["Credit"] == "true"]
    assert len(credits) == 1
    assert credits[0]["ExternalInvoiceReference1"] == f"centra-return-{ret.pk}"
    assert total(credits[0]) == Decimal("-149.00")


def test_credit_refused_by_fortnox_leaves_no_full_credit_behind(world, monkeypatch):
    shipment = shipped_and_invoiced(world, ("COAT", 1, "1500"), ("SCARF", 1, "149"))
    returned(shipment, "SCARF", 1)
    real_put = FortnoxClient.put

    def refuses_rows(self, path, payload=None, *, idempotent=True):
        if path.startswith("invoices/") and payload:
            raise SyncError("remote_rejected", "Fortnox: Kunde inte hitta konto")
        return real_put(self, path, payload, idempotent=idempotent)

    monkeypatch.setattr(FortnoxClient, "put", refuses_rows)
    run = run_flow(enable_refunds(world))

    assert SyncRecord.objects.get(run=run).error_code == "remote_rejected"
    live_credits = [i for i in world.invoices() if i["Credit"] == "true" and not i["Cancelled"]]
    assert live_credits == []


def test_credit_stopped_by_refused_access_keeps_fortnox_copy_to_finish_later(world, monkeypatch):
    shipment = shipped_and_invoiced(world, ("COAT", 1, "1500"), ("SCARF", 1, "149"))
    ret = returned(shipment, "SCARF", 1)
    refunds = enable_refunds(world)
    real_put = FortnoxClient.put

    def refused(self, path, payload=None, *, idempotent=True):
        if path.startswith("invoices/") and payload:
            raise SyncError("auth_forbidden", "Fortnox 2000663: no permission for the invoice scope")
        return real_put(self, path, payload, idempotent=idempotent)

    monkeypatch.setattr(FortnoxClient, "put", refused)
    run_flow(refunds)
    monkeypatch.undo()
    Flow.objects.filter(pk=refunds.pk).update(enabled=True)  # access is back: the shop gave the scope
    run_flow(refunds)

    credits = [i for i in world.invoices() if i["Credit"] == "true"]
    assert [c["Cancelled"] for c in credits] == [False]  # the copy was finished, not cancelled and redone
    assert credits[0]["ExternalInvoiceReference1"] == f"centra-return-{ret.pk}"
    assert total(credits[0]) == Decimal("-149.00")
