"""The daily report lists every shipment or return without a matching ERP document."""

from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.flows.runner import run_flow
from integrations.models import Alert, Flow
from integrations.reconciliation import reconcile
from sandbox.centra import services as centra
from sandbox.fortnox import invoice_actions

pytestmark = pytest.mark.django_db(transaction=True)


def test_report_lists_missing_cancelled_and_differing_documents(world):
    fine = world.ship(world.order(("COAT", 1, "1500")))
    cancelled = world.ship(world.order(("SCARF", 1, "149"), email="b@example.com"))
    run_flow(world.flow)
    never_invoiced = world.ship(world.order(("SOCK", 1, "99"), email="c@example.com"))
    invoice_actions.cancel(world.tenant, next(
        i["DocumentNumber"] for i in world.invoices() if i["ExternalInvoiceReference1"].endswith(str(cancelled.pk))))
    centra.complete_shipment(fine)
    centra.create_return(fine, {fine.lines.get(): 1})  # refunded and credited: matches
    Flow.objects.create(integration=world.integration, kind=Flow.Kind.REFUNDS, enabled=True,
                        options={"trigger": "return_created"})
    run_flow(world.integration.flows.get(kind=Flow.Kind.REFUNDS))

    report = reconcile(world.integration, timezone.localdate())

    problems = {(d["kind"], d["source_id"]): d["problem"] for d in report.differences}
    assert problems == {
        ("invoice", str(cancelled.pk)): "document is cancelled in the ERP",
        ("invoice", str(never_invoiced.pk)): "no invoice in the ERP",
    }
    assert (report.shipments, report.invoices_matched, report.returns, report.credits_matched) == (3, 1, 1, 1)
    assert Decimal(report.differences[0]["centra_total"]) > 0
    assert Alert.objects.get(kind=Alert.Kind.RECONCILIATION, resolved_at__isnull=True)
