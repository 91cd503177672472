"""Fortnox invoice lists as document summaries: every invoice and credit invoice of a date range,
500 to a request (fortnox.md §4.2-4.3, §5.2), for reconciliation.

A list item is a documented subset of the invoice: it has `DocumentNumber`, `InvoiceDate`,
`ExternalInvoiceReference1`, `Total`, `Currency` and `Cancelled`, but neither `Credit` nor
`InvoiceReference` nor `RoundOff`. Which documents are credit invoices is therefore asked of the
list itself with its `credit` search, combined with the global `fromdate`/`todate`: one listing for
invoices and one for credit invoices. Sorted by document number, so a document created while the
pages are read lands on a later page instead of shifting one already read.
"""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation

from ...domain.documents import DocumentSummary
from ...domain.errors import SyncError

PAGE_LIMIT = 500  # Fortnox's maximum page size


def _flag(value) -> bool:
    """Fortnox sends booleans as JSON booleans, except `Credit`, which is the string "true"/"false"."""
    return value is True or str(value).lower() == "true"


def summary_of(item: dict, *, is_credit: bool | None = None) -> DocumentSummary:
    """A list item (or a whole invoice) as a summary; `is_credit` as the listing that found it says."""
    try:
        raw_date = item.get("InvoiceDate")
        return DocumentSummary(
            number=str(item["DocumentNumber"]),
            external_reference=str(item.get("ExternalInvoiceReference1") or ""),
            invoice_date=date.fromisoformat(raw_date) if raw_date else None,
            total=Decimal(str(item["Total"])),
            currency=str(item.get("Currency") or "").upper(),
            cancelled=_flag(item.get("Cancelled")),
            is_credit=_flag(item.get("Credit")) if is_credit is None else is_credit,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise SyncError("bad_response", f"Fortnox listed an invoice we cannot read ({type(exc).__name__}: "
                                        f"{exc}): {str(item)[:200]}") from exc


class SummariesMixin:
    def document_summaries(self, first_day: date, last_day: date) -> Iterator[DocumentSummary]:
        """Every invoice and credit invoice dated `first_day`..`last_day` (inclusive), page by page:
        ceil(invoices / 500) + ceil(credit invoices / 500) requests, however many there are."""
        for credit in (False, True):
            page = 1
            while True:
                body = self.client.get(
                    "invoices", fromdate=first_day.isoformat(), todate=last_day.isoformat(),
                    credit="true" if credit else "false", sortby="documentnumber", sortorder="ascending",
                    limit=PAGE_LIMIT, page=page,
                )
                if not isinstance(body, dict) or not isinstance(body.get("Invoices") or [], list):
                    raise SyncError("bad_response", "Fortnox answered the invoice list without an `Invoices` list.")
                for item in body.get("Invoices") or []:
                    yield summary_of(item, is_credit=credit)
                meta = body.get("MetaInformation") or {}
                try:
                    last_page = int(meta.get("@TotalPages") or 1)
                except (TypeError, ValueError) as exc:
                    raise SyncError("bad_response", f"Fortnox's MetaInformation is unreadable: {meta!r}") from exc
                if page >= last_page:
                    break
                page += 1

    def document_summary(self, number: str) -> DocumentSummary | None:
        """One document by number (a linked document dated outside the range listed), or None."""
        body = self.client.get_or_none(f"invoices/{number}")
        if body is None:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("Invoice"), dict):
            raise SyncError("bad_response", f"Fortnox answered invoice {number} without an `Invoice`.")
        return summary_of(body["Invoice"])
