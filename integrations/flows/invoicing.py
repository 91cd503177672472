"""Pushing an invoice or credit invoice document exactly once, with its customer matched first."""

from mappings.centra import customer_source_id
from mappings.services import keep_booking

from ..domain.documents import Invoice
from ..links import push_once
from ..models import SyncRecord
from .base import Outcome
from .customer_matching import ensure_customer, fingerprint


def likely_customer_key(order) -> str | None:
    """The customer link an order's invoice most likely looks up, to read it with the batch's
    links: a person by Centra customer id or e-mail. A company is keyed by numbers only its
    mapping knows, and a mapping may take the e-mail elsewhere: a wrong guess costs one read."""
    if not isinstance(order, dict):
        return None
    billing, buyer = order.get("billingAddress"), order.get("customer")
    billing, buyer = (billing if isinstance(billing, dict) else {}), (buyer if isinstance(buyer, dict) else {})
    if str(billing.get("companyName") or "").strip():
        return None
    email = str(billing.get("email") or buyer.get("email") or "").strip()
    return customer_source_id(buyer, email) if buyer.get("id") or email else None


def push_invoice(context, erp, invoice: Invoice, *, object_type: str, source_id: str) -> Outcome:
    noun = "Credit invoice" if invoice.is_credit else "Invoice"
    erp.validate_invoice(invoice)  # before the customer: a refused invoice leaves no customer behind
    customer_number, _ = ensure_customer(context, erp, invoice.customer)

    def find() -> str | None:
        return erp.find_invoice(invoice.external_reference)

    def create():
        return erp.create_invoice(invoice, customer_number)

    # An invoice's booking is kept with its link: its credit invoices are booked from it.
    on_linked = (lambda link: keep_booking(link, invoice.booking)) if invoice.booking else None
    pushed = push_once(
        integration=context.integration, run=context.run, object_type=object_type, source_id=source_id,
        fingerprint=fingerprint(invoice), find=find, create=create, on_linked=on_linked,
    )
    if pushed.already_linked:
        return Outcome(SyncRecord.Status.SKIPPED, pushed.target_id, f"{noun} already made.")
    if pushed.recovered:
        return Outcome(
            SyncRecord.Status.CREATED, pushed.target_id,
            f"{noun} {pushed.target_id} found by reference {invoice.external_reference} and linked "
            "(an earlier attempt created it but its answer was lost).",
        )
    credit = f" crediting invoice {invoice.credit_of}" if invoice.is_credit else ""
    return Outcome(
        SyncRecord.Status.CREATED, pushed.target_id,
        f"{noun} {pushed.target_id}{credit}: {invoice.total} {invoice.currency}, {len(invoice.rows)} rows.",
    )
