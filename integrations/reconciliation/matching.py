"""Matching one day's Centra shipments and returns to the ERP's documents, in domain terms only.

A shipment is matched to its invoice and a return to its credit invoice by our record link (the
document we made) or, without a link, by our external reference on the document
(`centra-shipment-<id>` / `centra-return-<id>`). A match is checked the way the books see it: not
cancelled, same currency, and the same total within the tenant's rounding. Nothing here talks
to a system: the ERP's side arrives as `DocumentSummary`s.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from mappings.centra import return_reference, shipment_reference

from ..domain.documents import DocumentSummary
from ..models import RecordLink

# What a difference asks for: only a missing document is repaired by itself.
QUEUED = "queued for catch-up"
FOR_ACCOUNTANT = "reported: an accountant decides"
NO_FLOW = "reported: no enabled flow to catch up with"

DAYS_BEFORE = timedelta(days=1)
DAYS_AFTER = timedelta(days=7)


def document_dates(day: date) -> tuple[date, date]:
    """The invoice dates a document for a shipment or return created on `day` can carry.

    An invoice is dated by its shipment's shippedAt, else its createdAt; a credit invoice by its
    return's updatedAt (when it was completed), else its createdAt. So a document can be dated days
    after `day` (shipped, or the return completed, later) and never before it, except by a time
    zone: Centra's timestamps carry the store's offset while `day` is ours, hence one day before.
    A week after covers shipping and completing returns late. The nightly run sees documents made up
    to that night only, so the week costs nothing then; a linked document dated outside the range
    is looked up on its own, and an unlinked one is reported missing and found by its reference
    when the catch-up asks for it, never invoiced twice.
    """
    return day - DAYS_BEFORE, day + DAYS_AFTER


def within_rounding(centra_total: Decimal, erp_total: Decimal, decimals: int) -> bool:
    """Equal to half a unit of the tenant's rounding: a whole-krona tenant's 150 is Centra's 149.50;
    at two decimals any difference is one."""
    return abs(centra_total - erp_total) * 2 <= Decimal(1).scaleb(-decimals)


def amount(money) -> Decimal | None:
    """Centra's `{value, currency}` as a Decimal to the öre; None when it is missing or unreadable."""
    value = money.get("value") if isinstance(money, dict) else None
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number.quantize(Decimal("0.01")) if number.is_finite() else None


def currency(money) -> str:
    unit = money.get("currency") if isinstance(money, dict) else None
    return str((unit.get("code") if isinstance(unit, dict) else "") or "").upper()


class Documents:
    """The ERP's documents of the range, by number and by our reference (invoices and credit
    invoices apart: a credit Fortnox copied from an invoice carries the invoice's reference until
    it is finished). `lookup(number)` fetches a linked document dated outside the range."""

    def __init__(self, summaries: Iterable[DocumentSummary], lookup: Callable[[str], DocumentSummary | None]):
        self.by_number: dict[str, DocumentSummary] = {}
        self.by_reference: dict[tuple[bool, str], DocumentSummary] = {}
        for summary in summaries:
            self.by_number[summary.number] = summary
            key = (summary.is_credit, summary.external_reference)
            if summary.external_reference and (key not in self.by_reference or self.by_reference[key].cancelled):
                self.by_reference[key] = summary  # a document re-issued after a cancelled one wins
        self._lookup = lookup
        self.looked_up = 0

    def linked(self, number: str) -> DocumentSummary | None:
        if number not in self.by_number:
            self.looked_up += 1
            self.by_number[number] = self._lookup(number)
        return self.by_number[number]

    def referenced(self, reference: str, *, credit: bool) -> DocumentSummary | None:
        return self.by_reference.get((credit, reference))


@dataclass(frozen=True)
class Rules:
    """When a shipment or return is due for a document, as its flow decides, and how the tenant rounds."""

    rounding_decimals: int = 2
    markets: frozenset[str] = frozenset()  # empty: every market
    invoice_when_shipped: bool = False  # the orders flow's trigger is "shipment shipped"
    credit_when_completed: bool = True  # the refunds flow's trigger is "return completed"
    invoices_caught_up: bool = True  # the orders flow is enabled: it can invoice what is missing
    credits_caught_up: bool = True


@dataclass(frozen=True)
class Verdict:
    """A record's place in the report: counted as matched, waiting (not due yet), out of scope
    (a market this integration does not sync), or a difference."""

    matched: bool = False
    waiting: bool = False
    out_of_scope: bool = False
    difference: dict | None = None


MATCHED, WAITING, OUT_OF_SCOPE = Verdict(matched=True), Verdict(waiting=True), Verdict(out_of_scope=True)


def _malformed(kind: str, record: dict) -> Verdict | None:
    """A Centra record we cannot even name is reported as it is, never a crash."""
    if record.get("id") in (None, "") or "malformed" in record:
        return Verdict(difference={"kind": kind, "source_id": str(record.get("id") or ""), "reference": "",
                                   "problem": f"Centra sent a record we cannot read: {str(record)[:200]}",
                                   "action": FOR_ACCOUNTANT})
    return None


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def check_shipment(shipment: dict, link: RecordLink | None, documents: Documents, rules: Rules) -> Verdict:
    if unreadable := _malformed("invoice", shipment):
        return unreadable
    market = _object(_object(shipment.get("order")).get("market")).get("name")
    if rules.markets and market not in rules.markets:
        return OUT_OF_SCOPE
    if rules.invoice_when_shipped and not shipment.get("isShipped"):
        return WAITING
    total = shipment.get("grandTotal")
    return _check(
        kind="invoice", source_id=str(shipment.get("id")), label=str(shipment.get("number") or ""),
        reference=shipment_reference(shipment), expected=amount(total), currency=currency(total),
        link=link, documents=documents, decimals=rules.rounding_decimals, catch_up=rules.invoices_caught_up,
    )


def check_return(ret: dict, link: RecordLink | None, documents: Documents, rules: Rules) -> Verdict:
    if unreadable := _malformed("credit_invoice", ret):
        return unreadable
    if rules.credit_when_completed and ret.get("status") != "COMPLETED":
        return WAITING
    total = ret.get("grandTotal")
    refund = amount(total)
    return _check(
        kind="credit_invoice", source_id=str(ret.get("id")), label=f"return {ret.get('id')}",
        reference=return_reference(ret), expected=None if refund is None else -refund, currency=currency(total),
        link=link, documents=documents, decimals=rules.rounding_decimals, catch_up=rules.credits_caught_up,
    )


def _check(*, kind: str, source_id: str, label: str, reference: str, expected: Decimal | None, currency: str,
           link: RecordLink | None, documents: Documents, decimals: int, catch_up: bool) -> Verdict:
    noun = kind.replace("_", " ")
    base = {"kind": kind, "source_id": source_id, "reference": label, "erp_reference": reference,
            "centra_total": "" if expected is None else str(expected), "currency": currency}

    def differs(problem: str, document: DocumentSummary | None = None, action: str = FOR_ACCOUNTANT) -> Verdict:
        found = {"erp_document": document.number, "erp_total": str(document.total)} if document else {}
        return Verdict(difference={**base, **found, "problem": problem, "action": action})

    if link is not None and link.is_linked:
        document = documents.linked(link.target_id)
        if document is None:
            return differs(f"linked {noun} {link.target_id} is missing in the ERP")
    else:
        document = documents.referenced(reference, credit=kind == "credit_invoice")
        if document is None:
            return differs(f"no {noun} in the ERP", action=QUEUED if catch_up else NO_FLOW)
    if document.cancelled:
        return differs("document is cancelled in the ERP", document)
    if expected is None:
        return differs("Centra's total is missing or unreadable", document)
    if currency and document.currency and currency != document.currency:
        return differs(f"currencies differ ({currency} in Centra, {document.currency} in the ERP)", document)
    if not within_rounding(expected, document.total, decimals):
        return differs("totals differ", document)
    return MATCHED
