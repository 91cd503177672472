"""Fortnox invoices: checked against Fortnox's rules first, then created, found by reference."""

from ...domain.documents import Invoice, InvoiceRow, PushResult
from ...domain.errors import SyncError
from .payloads import ARTICLE_NUMBER, INVOICE_LIMITS, MAX_INVOICE_ROWS, ROW_DESCRIPTION_MAX, check_lengths, money


class InvoicesMixin:
    def row_payload(self, row: InvoiceRow) -> dict:
        """A row as Fortnox stores it: price, quantity and discount rounded by the money policy, so
        Fortnox's row total is `row.total`."""
        payload = {
            "Description": row.description[:ROW_DESCRIPTION_MAX],
            "DeliveredQuantity": money(row.quantity),
            "Price": money(row.unit_price),
            "VAT": float(row.vat_percent),
        }
        if row.article_number:
            payload["ArticleNumber"] = row.article_number
        if row.discount_percent:
            payload["Discount"] = money(row.discount_percent)
            payload["DiscountType"] = "PERCENT"
        if row.account:
            payload["AccountNumber"] = row.account
        return payload

    def validate_invoice(self, invoice: Invoice) -> None:
        """Raise the first thing Fortnox would refuse, as a catalog error, before sending."""
        if len(invoice.rows) > MAX_INVOICE_ROWS:
            raise SyncError(
                "too_many_rows",
                f"The invoice needs {len(invoice.rows)} rows; Fortnox allows {MAX_INVOICE_ROWS} per invoice.",
            )
        if not self.has_currency(invoice.currency):
            raise SyncError(
                "unsupported_currency",
                f"Currency {invoice.currency} is not set up in Fortnox "
                f"(it has {', '.join(sorted(self.currencies()))}).",
            )
        for row in invoice.rows:
            if not row.article_number:
                continue
            if not ARTICLE_NUMBER.match(row.article_number):
                raise SyncError(
                    "invalid_article_number",
                    f"SKU {row.article_number!r} cannot be a Fortnox article number: use at most 50 "
                    "letters, digits and - _ + . / (no spaces or å, ä, ö).",
                )
            if not self.article_exists(row.article_number):
                raise SyncError(
                    "unknown_sku",
                    f"SKU {row.article_number!r} ({row.description}) has no article in Fortnox.",
                )

    def invoice_payload(self, invoice: Invoice, customer_number: str) -> dict:
        """Mapped header fields first, then what the books depend on, which mappings cannot override."""
        payload = {
            **invoice.fields,
            "CustomerNumber": customer_number,
            "InvoiceDate": invoice.invoice_date.isoformat(),
            "Currency": invoice.currency.upper(),
            "VATIncluded": invoice.prices_include_vat,
            "ExternalInvoiceReference1": invoice.external_reference,
            "ExternalInvoiceReference2": invoice.shipment_number,
            "InvoiceRows": [self.row_payload(row) for row in invoice.rows],
        }
        if invoice.order_number and "YourOrderNumber" not in payload:
            payload["YourOrderNumber"] = invoice.order_number
        if invoice.currency_rate:
            payload["CurrencyRate"] = float(invoice.currency_rate)
        check_lengths(payload, INVOICE_LIMITS, "Invoice")
        return {"Invoice": payload}

    def find_invoice(self, external_reference: str) -> str | None:
        """The number of the invoice carrying our reference, if one exists (recovers a lost create).
        Fortnox searches by substring: only an exact match counts."""
        items = self.client.list_all("invoices", "Invoices", externalinvoicereference1=external_reference)
        matches = [i for i in items if i.get("ExternalInvoiceReference1") == external_reference]
        return str(matches[0]["DocumentNumber"]) if matches else None

    def render_invoice(self, invoice: Invoice, customer_number: str) -> dict:
        return self.invoice_payload(invoice, customer_number)

    def create_invoice(self, invoice: Invoice, customer_number: str) -> PushResult:
        if invoice.is_credit:
            return self.create_credit_invoice(invoice, customer_number)  # linked to its invoice: credits.py
        try:
            body = self.client.post("invoices", self.invoice_payload(invoice, customer_number))
        except SyncError as exc:
            if exc.code == "unknown_sku":  # an article we kept as existing is gone
                self.forget_articles()
            raise
        created = body["Invoice"]
        return PushResult(str(created["DocumentNumber"]), True, created)

