"""The PUT actions on an invoice: bookkeep, cancel, credit, externalprint, warehouseready.

Each returns the invoice it acted on. State rules: a booked invoice cannot be cancelled, a
cancelled one cannot be booked, printed or credited; an invoice is credited at most once.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import articles, errors, invoice_rows, invoices
from .errors import FortnoxError
from .models import Invoice, Tenant
from .numbering import next_number

VOUCHER_SERIES = "B"  # SIMULATED: the series a company books invoices in is a setting.

# What a credit invoice does not copy from the original: state, numbers and computed amounts.
NOT_COPIED = (
    "@url", "@urlTaxReductionList", "Balance", "Booked", "Cancelled", "Sent", "OCR", "DocumentNumber",
    "VoucherNumber", "VoucherSeries", "VoucherYear", "FinalPayDate", "LastRemindDate", "Reminders",
    "InvoiceDate", "DueDate", "OutboundDate",
)
ROW_NOT_COPIED = ("Total", "TotalExcludingVAT", "PriceExcludingVAT", "RowId")


def _refuse(message: str) -> FortnoxError:
    # SIMULATED code (DOCUMENT_LOCKED) for every state refusal.
    return FortnoxError(errors.DOCUMENT_LOCKED, message)


def _save_state(invoice: Invoice, **fields) -> None:
    invoice.data = {**invoice.data, **fields}
    invoice.save(update_fields=["booked", "cancelled", "sent", "data", "last_modified"])


@transaction.atomic
def bookkeep(tenant: Tenant, number) -> Invoice:
    invoice = invoices.get(tenant, number, lock=True)
    if invoice.cancelled:
        raise _refuse("Fakturan är makulerad och kan inte bokföras.")
    if invoice.booked:
        raise _refuse("Fakturan är redan bokförd.")
    invoice.booked = True
    voucher = next_number(tenant, f"voucher-{VOUCHER_SERIES}", lambda n: False)
    _save_state(invoice, Booked=True, VoucherSeries=VOUCHER_SERIES, VoucherNumber=voucher,
                VoucherYear=invoice.invoice_date.year)
    if tenant.stock_deduction == Tenant.StockDeduction.BOOKKEEP:
        rows = [row.data for row in invoice.rows.all()]
        articles.move_stock(tenant, invoice_rows.stock_quantities(rows))
    return invoice


@transaction.atomic
def cancel(tenant: Tenant, number) -> Invoice:
    invoice = invoices.get(tenant, number, lock=True)
    if invoice.booked:
        raise _refuse("Fakturan är bokförd och kan inte makuleras.")
    if invoice.cancelled:
        raise _refuse("Fakturan är redan makulerad.")
    invoice.cancelled = True
    _save_state(invoice, Cancelled=True)
    if invoice.credit_of is not None:
        invoices.settle(invoice.credit_of)
    return invoice


@transaction.atomic
def externalprint(tenant: Tenant, number) -> Invoice:
    invoice = invoices.get(tenant, number, lock=True)
    if invoice.cancelled:
        raise _refuse("Fakturan är makulerad och kan inte skickas.")
    invoice.sent = True
    _save_state(invoice, Sent=True)
    return invoice


@transaction.atomic
def warehouseready(tenant: Tenant, number) -> Invoice:
    invoice = invoices.get(tenant, number, lock=True)
    _save_state(invoice, WarehouseReady=True)
    return invoice


@transaction.atomic
def credit(tenant: Tenant, number) -> Invoice:
    """A full credit invoice: header copied, quantities negated, both invoices linked.
    Returns the original, whose CreditInvoiceReference names the credit (SIMULATED choice)."""
    original = invoices.get(tenant, number, lock=True)
    if original.cancelled:
        raise _refuse("Fakturan är makulerad och kan inte krediteras.")
    if original.credit:
        raise _refuse("En kreditfaktura kan inte krediteras.")
    if original.data.get("CreditInvoiceReference", "0") != "0":
        raise _refuse("Fakturan är redan krediterad.")
    if tenant.credit_requires_booked and not original.booked:
        raise _refuse("Fakturan måste vara bokförd innan den kan krediteras.")

    today = timezone.localdate()
    terms_days = (original.due_date - original.invoice_date).days
    copied = {name: value for name, value in original.data.items() if name not in NOT_COPIED}
    header = {**invoices.defaults(), **copied}
    header.update({
        "InvoiceReference": str(original.document_number), "CreditInvoiceReference": "0",
        "InvoiceDate": today.isoformat(), "DueDate": (today + dt.timedelta(days=terms_days)).isoformat(),
    })
    rows = []
    for row in original.rows.all():
        copied = {name: value for name, value in row.data.items() if name not in ROW_NOT_COPIED}
        copied["DeliveredQuantity"] = Decimal(0) - Decimal(row.data["DeliveredQuantity"])
        rows.append(copied)

    taken = Invoice.objects.filter(tenant=tenant)
    credit_number = next_number(tenant, "invoice", lambda n: taken.filter(document_number=n).exists())
    credit_invoice = Invoice(tenant=tenant, document_number=credit_number, customer=original.customer,
                             credit_of=original)
    invoices.store(credit_invoice, header, rows)
    original.refresh_from_db()
    original.data = {**original.data, "CreditInvoiceReference": str(credit_number)}
    original.save(update_fields=["data", "last_modified"])
    return original
