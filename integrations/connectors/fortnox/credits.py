"""Fortnox credit invoices, linked to the invoice they credit the way Fortnox links them (fortnox.md §5.3).

Fortnox links a credit invoice to its invoice only when it makes the credit itself:
`PUT /3/invoices/{n}/credit` copies invoice n with negated quantities, marks it `Credit`, sets its
`InvoiceReference` to n and the original's `CreditInvoiceReference` to the new number. A return is
usually partial, so the copy's header and rows are then replaced by the return's (a PUT, rows
matched by position, every row sent), as production integrations do. An invoice is credited by
`/credit` once; a second return of the same shipment is a new credit invoice (POST) whose remark
names the invoice it credits (whether Fortnox links a POSTed credit is not documented).

Exactly once: a credit is found by our reference (ExternalInvoiceReference1) once finished. When
an answer was lost between `/credit` and the PUT, the copy still carries the original's reference;
the next attempt recognises it as unfinished through the original's `CreditInvoiceReference` and
finishes it instead of making another.
"""

from ...domain.documents import Invoice, PushResult
from ...domain.errors import ACCESS_REFUSED, SyncError
from .payloads import INVOICE_LIMITS, check_lengths

# A PUT without RowIds matches rows by position and keeps what a row does not send, so a row that
# replaces one of the copy's rows says every value explicitly (API_BLANK empties a field).
REPLACING_ROW = {"ArticleNumber": "API_BLANK", "AccountNumber": "API_BLANK", "Discount": 0, "DiscountType": "PERCENT"}


class CreditsMixin:
    def create_credit_invoice(self, credit: Invoice, customer_number: str) -> PushResult:
        payload = self.invoice_payload(credit, customer_number)
        header = payload["Invoice"]
        # Printed on the credit: which invoice it credits, also where Fortnox shows no link.
        header["Remarks"] = " ".join(filter(None, [header.get("Remarks"), f"Credits invoice {credit.credit_of}."]))
        check_lengths(header, INVOICE_LIMITS, "Credit invoice")
        original = self.client.get(f"invoices/{credit.credit_of}")["Invoice"]
        if _is_true(original.get("Cancelled")):
            raise SyncError("remote_rejected", f"Invoice {credit.credit_of} is cancelled in Fortnox: there is nothing "
                                               "to credit. Check the shipment and the invoice, then retry or ignore.")
        number = self._unfinished_credit(original) or self._fortnox_credit(original)
        if number is None:  # already credited by an earlier return: a credit of its own
            created = self.client.post("invoices", payload)["Invoice"]
            return PushResult(str(created["DocumentNumber"]), True, created)
        header["InvoiceRows"] = [{**REPLACING_ROW, **row} for row in header["InvoiceRows"]]
        try:
            finished = self.client.put(f"invoices/{number}", payload)["Invoice"]
        except SyncError as exc:
            if not exc.retryable and exc.code not in ACCESS_REFUSED:  # refused access says nothing of the rows
                # Fortnox refused the return's rows: a full credit of the invoice must not stay behind.
                self.client.put(f"invoices/{number}/cancel")
            raise
        return PushResult(str(finished["DocumentNumber"]), True, finished)

    def _unfinished_credit(self, original: dict) -> str | None:
        """The credit `/credit` made of `original` whose rows were never replaced (a lost answer)."""
        number = str(original.get("CreditInvoiceReference") or "0")
        if number == "0":
            return None
        copy = (self.client.get_or_none(f"invoices/{number}") or {}).get("Invoice") or {}
        unfinished = (copy.get("ExternalInvoiceReference1") == original.get("ExternalInvoiceReference1")
                      and not _is_true(copy.get("Cancelled")))
        return number if unfinished else None

    def _fortnox_credit(self, original: dict) -> str | None:
        """Have Fortnox credit `original`; None when it already has a credit invoice."""
        if str(original.get("CreditInvoiceReference") or "0") != "0":
            return None
        number = str(original["DocumentNumber"])
        answer = self.client.put(f"invoices/{number}/credit", idempotent=False)["Invoice"]
        # The action answers with an invoice: the original (naming its credit) or the credit itself.
        if str(answer.get("InvoiceReference") or "0") == number:
            return str(answer["DocumentNumber"])
        reference = str(answer.get("CreditInvoiceReference") or "0")
        if reference == "0":
            reference = str(self.client.get(f"invoices/{number}")["Invoice"].get("CreditInvoiceReference") or "0")
        if reference == "0":
            raise SyncError("bad_response", f"Fortnox credited invoice {number} but named no credit invoice.")
        return reference


def _is_true(value) -> bool:
    """Fortnox sends some booleans as JSON booleans and others as the strings "true"/"false"."""
    return value is True or str(value).lower() == "true"
