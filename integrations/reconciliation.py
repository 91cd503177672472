"""The daily reconciliation report: Centra's money against the ERP's documents, document by document.

For one day it takes every shipment Centra created and every return, finds the invoice or credit
invoice we linked to each, reads it back from the ERP and lists what has no document, a cancelled
document, or a total that differs from what Centra captured or refunded.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from .alerts import open_alert, resolve
from .connections import centra_client, erp_for
from .errors import SyncError
from .models import Alert, Integration, ReconciliationReport, RecordLink


def _day_range(day: date) -> dict:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()}


def _amount(value) -> Decimal:
    return Decimal(str((value or {}).get("value", 0) if isinstance(value, dict) else value or 0)).quantize(
        Decimal("0.01"))


def _compare(kind: str, source_id, reference: str, expected: Decimal, link: RecordLink | None, erp) -> dict | None:
    base = {"kind": kind, "source_id": str(source_id), "reference": reference, "centra_total": str(expected)}
    if link is None or not link.is_linked:
        return {**base, "problem": f"no {kind.replace('_', ' ')} in the ERP"}
    document = erp.client.get_or_none(f"invoices/{link.target_id}")
    if document is None:
        return {**base, "erp_document": link.target_id, "problem": "linked document is missing in the ERP"}
    invoice = document["Invoice"]
    if invoice.get("Cancelled"):
        return {**base, "erp_document": link.target_id, "problem": "document is cancelled in the ERP"}
    erp_total = _amount(invoice.get("Total")) - _amount(invoice.get("RoundOff"))
    if erp_total != expected:
        return {**base, "erp_document": link.target_id, "erp_total": str(erp_total), "problem": "totals differ"}
    return None


def reconcile(integration: Integration, day: date) -> ReconciliationReport:
    centra, erp = centra_client(integration.source), erp_for(integration.target)
    window = {"createdAt": _day_range(day)}
    shipments = centra.all_pages(centra.shipments_page, window)
    returns = centra.all_pages(centra.returns_page, window)
    links = {
        (link.object_type, link.source_id): link
        for link in RecordLink.objects.filter(
            integration=integration,
            source_id__in=[str(s["id"]) for s in shipments] + [str(r["id"]) for r in returns],
        )
    }
    invoice_differences = [
        d for s in shipments
        if (d := _compare("invoice", s["id"], s.get("number", ""), _amount(s.get("grandTotal")),
                          links.get(("invoice", str(s["id"]))), erp))
    ]
    credit_differences = [
        d for r in returns
        if (d := _compare("credit_invoice", r["id"], f"return {r['id']}", -_amount(r.get("grandTotal")),
                          links.get(("credit_invoice", str(r["id"]))), erp))
    ]
    report, _ = ReconciliationReport.objects.update_or_create(
        integration=integration, day=day,
        defaults={
            "shipments": len(shipments), "invoices_matched": len(shipments) - len(invoice_differences),
            "returns": len(returns), "credits_matched": len(returns) - len(credit_differences),
            "differences": invoice_differences + credit_differences,
        },
    )
    subject = f"integration:{integration.pk}:reconciliation"
    if report.differences:
        open_alert(Alert.Kind.RECONCILIATION, subject, f"{integration}: reconciliation found differences",
                   f"{day}: {len(report.differences)} shipment(s)/return(s) without a matching ERP document.",
                   integration=integration)
    else:
        resolve(subject)
    return report


def reconcile_yesterday() -> str:
    """The scheduled job: yesterday's report for every live integration."""
    day = timezone.localdate() - timedelta(days=1)
    lines = []
    for integration in Integration.objects.filter(status=Integration.Status.LIVE).select_related("source", "target"):
        try:
            report = reconcile(integration, day)
        except SyncError as exc:
            lines.append(f"{integration.slug}: could not reconcile: {exc}")
            continue
        lines.append(f"{integration.slug}: {len(report.differences)} difference(s)")
    return "; ".join(lines) or "no live integrations"
