"""Sales invoices and credit memos (business-central.md §5.2-5.3).

An invoice is created as a draft with its lines in one request (deep insert) and then posted;
posting keeps the id and gives the posted number, which is what Junipeer links. A credit
invoice is a sales credit memo applied to its invoice (`invoiceNumber`, the posted number), with
only the returned lines, positive quantities and prices (the document type makes it a credit).

Exactly once: a posted document is found by our reference in `externalDocumentNumber` (Code[35],
stored upper-case). A draft carrying our reference is an earlier attempt that never reached
posting (a lost answer, a deadlock that applied part of its lines): it is deleted and the
document made again, never posted as it stands.

Bookkeeping the BC way: accounts come from posting groups. The invoice's booking (made by
mappings from the integration's settings) names the VAT business posting group of the buyer's
situation and the VAT product posting group of each VAT rate; the customer is given that
business group and every line its product group. BC then computes the VAT itself; a line whose
VAT is not the rate Centra charged, or a total that is not the invoice's, removes the draft and
fails the record instead of posting wrong books.
"""

from datetime import date
from decimal import Decimal

from ...domain.documents import DocumentSummary, Invoice, InvoiceRow, PushResult
from ...domain.errors import SyncError
from ...domain.money import percent_text, round_money
from .client import quoted
from .payloads import (
    DOCUMENT_LIMITS,
    EMPTY_GUID,
    EXTERNAL_DOCUMENT_NUMBER_MAX,
    ITEM_NUMBER,
    LINE_DESCRIPTION_MAX,
    MAX_DOCUMENT_LINES,
    amount,
    check_lengths,
)

INVOICES, CREDIT_MEMOS = "salesInvoices", "salesCreditMemos"
SUMMARY_FIELDS = ("id,number,externalDocumentNumber,invoiceDate,creditMemoDate,currencyCode,totalAmountIncludingTax,"
                  "status")


def reference_of(invoice: Invoice) -> str:
    """Our reference as BC stores it (Code[35]: upper-case)."""
    return invoice.external_reference.upper()


def posting_groups(invoice: Invoice) -> dict:
    """The posting groups mappings put in the invoice's booking (empty: BC's own defaults apply)."""
    return dict((invoice.booking or {}).get("posting_groups") or {})


class DocumentsMixin:
    # --- checks before anything is sent ------------------------------------------------------

    def validate_invoice(self, invoice: Invoice) -> None:
        if len(invoice.rows) > MAX_DOCUMENT_LINES:
            raise SyncError("too_many_rows", f"The document needs {len(invoice.rows)} lines; Junipeer sends at most "
                                             f"{MAX_DOCUMENT_LINES} to Business Central in one document.")
        if len(invoice.external_reference) > EXTERNAL_DOCUMENT_NUMBER_MAX:
            raise SyncError("field_too_long", f"The reference {invoice.external_reference!r} is longer than the "
                                              f"{EXTERNAL_DOCUMENT_NUMBER_MAX} characters of externalDocumentNumber.")
        if invoice.currency.upper() not in self.currencies():
            raise SyncError("unsupported_currency",
                            f"Currency {invoice.currency} is not set up in Business Central (it has "
                            f"{', '.join(sorted(self.currencies()))}): add it on the Currencies page, then retry.")
        groups = posting_groups(invoice)
        for row in invoice.rows:
            if row.article_number:
                self.check_article_number(row.article_number)
                if not self.article_exists(row.article_number):
                    raise SyncError("unknown_sku", f"SKU {row.article_number!r} ({row.description}) has no item in "
                                                   "Business Central.")
            elif row.account is None:
                raise SyncError("unmapped_required_field", f"Line {row.description!r} has neither an item nor a G/L "
                                                           "account: set the item or account for it in the "
                                                           "bookkeeping settings.")
            if groups:
                self.tax_code(row, groups)

    def tax_code(self, row: InvoiceRow, groups: dict) -> str:
        rate = percent_text(row.vat_percent)
        code = (groups.get("vat_products") or {}).get(rate)
        if not code:
            raise SyncError("unmapped_vat_product_group",
                            f"VAT {rate} % has no VAT product posting group: map {rate} % to one of Business "
                            f"Central's VAT product posting groups in the bookkeeping settings.")
        return code

    # --- payloads -----------------------------------------------------------------------------

    def line_payload(self, row: InvoiceRow, groups: dict, sign: int, sequence: int) -> dict:
        """A line whose BC amount is `sign × row.total` to the cent: quantity and unit price as the
        money policy rounds them, and the difference to the row's total as the line's discount amount."""
        quantity, price = round_money(row.quantity), round_money(row.unit_price)
        gross = round_money(quantity * price)
        line = {
            "sequence": sequence * 10000,
            "description": row.description[:LINE_DESCRIPTION_MAX],
            "quantity": float(sign * quantity),
            "unitPrice": amount(price),
        }
        if gross != row.total:
            line["discountAmount"] = float(sign * (gross - row.total))
        if row.article_number:
            line.update(lineType="Item", lineObjectNumber=row.article_number.upper())
        else:
            line.update(lineType="Account", lineObjectNumber=str(row.account))
        if groups:
            line["taxCode"] = self.tax_code(row, groups)
        return line

    def document_payload(self, invoice: Invoice, customer_number: str) -> dict:
        """Mapped header fields first, then what the books depend on, which mappings cannot override."""
        credit = invoice.is_credit
        groups = posting_groups(invoice)
        sign = -1 if credit else 1
        lines = [self.line_payload(row, groups, sign, index) for index, row in enumerate(invoice.rows, start=1)]
        header = {
            **invoice.fields,
            "customerNumber": customer_number,
            "externalDocumentNumber": reference_of(invoice),
            "creditMemoDate" if credit else "invoiceDate": invoice.invoice_date.isoformat(),
            "currencyCode": invoice.currency.upper(),
        }
        if credit:
            header.pop("customerPurchaseOrderReference", None)  # credit memos have no such field (§5.3)
            header["invoiceNumber"] = invoice.credit_of
            # Printed on the credit memo, also when BC cannot apply it (a paid invoice): which invoice it credits.
            lines.append({"sequence": (len(lines) + 1) * 10000, "lineType": "Comment",
                          "description": f"Credits invoice {invoice.credit_of}"[:LINE_DESCRIPTION_MAX]})
        elif invoice.order_number and "customerPurchaseOrderReference" not in header:
            header["customerPurchaseOrderReference"] = invoice.order_number
        check_lengths(header, DOCUMENT_LIMITS, "Credit memo" if credit else "Invoice")
        header["salesCreditMemoLines" if credit else "salesInvoiceLines"] = lines
        return header

    def render_invoice(self, invoice: Invoice, customer_number: str) -> dict:
        return {CREDIT_MEMOS if invoice.is_credit else INVOICES: self.document_payload(invoice, customer_number)}

    # --- finding and creating -------------------------------------------------------------------

    def find_invoice(self, external_reference: str) -> str | None:
        """The posted invoice or credit memo carrying our reference (drafts are unfinished attempts)."""
        wanted = external_reference.upper()
        for entity in (INVOICES, CREDIT_MEMOS):
            found = self.client.find(entity, f"externalDocumentNumber eq {quoted(wanted)} and status ne 'Draft'",
                                     **{"$select": "id,number,externalDocumentNumber,status"})
            exact = [item for item in found if item.get("externalDocumentNumber") == wanted]
            if exact:
                return str(exact[0]["number"])
        return None

    def create_invoice(self, invoice: Invoice, customer_number: str) -> PushResult:
        entity = CREDIT_MEMOS if invoice.is_credit else INVOICES
        payload = self.document_payload(invoice, customer_number)
        groups = posting_groups(invoice)
        if groups:
            self.ensure_vat_business_group(customer_number, groups)
        self._delete_drafts(entity, reference_of(invoice))
        draft = self.client.post(entity, payload)
        if not isinstance(draft, dict) or not draft.get("id"):
            raise SyncError("bad_response", f"Business Central created a {entity[:-1]} without an id.")
        self._check_draft(entity, draft, invoice)
        path = f"{entity}({draft['id']})"
        try:
            self.client.action(f"{path}/Microsoft.NAV.post")
        except SyncError as exc:
            if not (invoice.is_credit and exc.code == "remote_rejected" and "is closed" in exc.message):
                raise
            # The invoice is paid (closed): the credit stays an open credit on the customer, settled by
            # the refund payment; its comment line still names the invoice (§5.3).
            self.client.patch_fresh(path, {"invoiceId": EMPTY_GUID})
            self.client.action(f"{path}/Microsoft.NAV.post")
        posted = self.client.get(path)
        return PushResult(str(posted["number"]), True, posted)

    def _delete_drafts(self, entity: str, reference: str) -> None:
        stale = self.client.find(entity, f"externalDocumentNumber eq {quoted(reference)} and status eq 'Draft'")
        for draft in stale:
            try:
                self.client.delete(f"{entity}({draft['id']})", draft.get("@odata.etag") or "*")
            except SyncError as exc:
                if exc.code != "not_found":  # another attempt removed it first
                    raise

    def _check_draft(self, entity: str, draft: dict, invoice: Invoice) -> None:
        """The draft's VAT and total as BC computed them must be the invoice's, or nothing is posted."""
        lines_set = "salesCreditMemoLines" if invoice.is_credit else "salesInvoiceLines"
        lines = self.client.get(f"{entity}({draft['id']})/{lines_set}")
        problems = []
        items = [line for line in lines.get("value") or [] if line.get("lineType") != "Comment"]
        for row, line in zip(invoice.rows, items, strict=False):
            if Decimal(str(line.get("taxPercent", 0))) != row.vat_percent:
                problems.append(f"line {row.description!r} got {line.get('taxPercent')} % VAT where Centra charged "
                                f"{percent_text(row.vat_percent)} %")
        if bool(draft.get("pricesIncludeTax")) != invoice.prices_include_vat:
            problems.append("the customer's prices are " + ("" if draft.get("pricesIncludeTax") else "not ")
                            + "including VAT in Business Central, the invoice's are "
                            + ("" if invoice.prices_include_vat else "not ")
                            + "(set Prices Including VAT on the customer or its template)")
        expected = (-invoice.total if invoice.is_credit else invoice.total) if invoice.prices_include_vat else None
        total = Decimal(str(draft.get("totalAmountIncludingTax", 0)))
        if expected is not None and not problems and round_money(total) != round_money(expected):
            problems.append(f"its total is {total} where the invoice's is {expected}")
        if problems:
            self.client.delete(f"{entity}({draft['id']})", draft.get("@odata.etag") or "*")
            code = "total_mismatch" if problems[-1].startswith("its total") else "remote_rejected"
            raise SyncError(code, f"Business Central computed the draft differently, so it was removed unposted: "
                                  f"{'; '.join(problems)}. Check the VAT posting setup of the mapped posting groups.")

    # --- reconciliation -------------------------------------------------------------------------

    def document_summaries(self, first_day, last_day):
        for entity, date_field in ((INVOICES, "invoiceDate"), (CREDIT_MEMOS, "creditMemoDate")):
            found = self.client.find(
                entity, f"{date_field} ge {first_day.isoformat()} and {date_field} le {last_day.isoformat()} "
                        "and status ne 'Draft'", **{"$orderby": "number"})
            for item in found:
                yield self._summary(item, entity == CREDIT_MEMOS)

    def document_summary(self, number: str) -> DocumentSummary | None:
        for entity in (INVOICES, CREDIT_MEMOS):
            found = self.client.find(entity, f"number eq {quoted(number)}")
            if found:
                return self._summary(found[0], entity == CREDIT_MEMOS)
        return None

    def _summary(self, item: dict, is_credit: bool) -> DocumentSummary:
        """Our references are lower-case by construction (mappings.centra): read back as written."""
        try:
            raw_date = item.get("creditMemoDate" if is_credit else "invoiceDate")
            total = Decimal(str(item["totalAmountIncludingTax"]))
            return DocumentSummary(
                number=str(item["number"]), external_reference=str(item.get("externalDocumentNumber") or "").lower(),
                invoice_date=date.fromisoformat(raw_date) if raw_date and raw_date != "0001-01-01" else None,
                total=-total if is_credit else total, currency=str(item.get("currencyCode") or "").upper(),
                cancelled=item.get("status") == "Canceled", is_credit=is_credit,
            )
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            raise SyncError("bad_response", f"Business Central listed a document we cannot read ({exc}): "
                                            f"{str(item)[:200]}") from exc


def valid_item_number(number: str) -> bool:
    return bool(ITEM_NUMBER.match(number))
