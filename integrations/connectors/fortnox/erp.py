"""Fortnox as an ERP: turns domain documents into Fortnox payloads and checks them first.

Everything Fortnox would refuse is caught here with a catalog code that says what to do, before
a request is sent: unknown article or currency, values over Fortnox's field lengths, more than
500 rows, article numbers with characters Fortnox refuses.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from ...documents import Customer, Invoice, InvoiceRow, PushResult
from ...errors import SyncError
from .client import FortnoxClient

MAX_INVOICE_ROWS = 500
ARTICLE_NUMBER = re.compile(r"^[A-Za-z0-9_\-+./]{1,50}$")

# Field length limits Fortnox enforces (fortnox.md §7).
INVOICE_LIMITS = {
    "YourOrderNumber": 30,
    "ExternalInvoiceReference1": 80,
    "ExternalInvoiceReference2": 80,
    "YourReference": 50,
    "OurReference": 50,
    "Remarks": 1024,
    "CustomerName": 1024,
    "Address1": 1024,
    "Address2": 1024,
    "City": 1024,
    "ZipCode": 1024,
}
CUSTOMER_LIMITS = {
    "Name": 1024,
    "Email": 1024,
    "Address1": 1024,
    "Address2": 1024,
    "City": 1024,
    "ZipCode": 10,
    "Phone1": 1024,
    "OrganisationNumber": 30,
    "CountryCode": 2,
    "Currency": 3,
    "YourReference": 50,
}
ROW_DESCRIPTION_MAX = 255


def _money(value: Decimal) -> float:
    return float(Decimal(value).quantize(Decimal("0.01")))


def _check_lengths(record: dict, limits: dict, what: str) -> None:
    for name, limit in limits.items():
        value = record.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise SyncError(
                "field_too_long",
                f"{what} {name} is {len(value)} characters; Fortnox accepts at most {limit}: {value[:60]!r}…",
            )


def _vat_type(customer: Customer, home_country: str) -> str:
    """Fortnox VATType from where the buyer is (how integrators pick it)."""
    country = (customer.address.country_code if customer.address else "") or home_country
    if country == home_country:
        return "SEVAT"
    if customer.country_is_eu:
        return "EUREVERSEDVAT" if customer.is_company and customer.vat_number else "EUVAT"
    return "EXPORT"


@dataclass
class FortnoxERP:
    """The ERP protocol, spoken by Fortnox. One instance per run: it caches look-ups."""

    client: FortnoxClient
    home_country: str = "SE"
    _currencies: set[str] | None = None
    _articles: dict[str, bool] = field(default_factory=dict)

    @property
    def journal(self):
        return self.client.journal

    # --- look-ups ---------------------------------------------------------------------------

    def currencies(self) -> set[str]:
        if self._currencies is None:
            items = self.client.list_all("currencies", "Currencies")
            self._currencies = {str(item.get("Code", "")).upper() for item in items} | {"SEK"}
        return self._currencies

    def article_exists(self, article_number: str) -> bool:
        if article_number not in self._articles:
            self._articles[article_number] = self.client.get_or_none(f"articles/{article_number}") is not None
        return self._articles[article_number]

    # --- customers --------------------------------------------------------------------------

    def customer_payload(self, customer: Customer) -> dict:
        address = customer.address
        payload = {
            "Name": customer.name,
            "Email": customer.email,
            "Type": "COMPANY" if customer.is_company else "PRIVATE",
            "VATType": _vat_type(customer, self.home_country),
        }
        if customer.organisation_number:
            payload["OrganisationNumber"] = customer.organisation_number
        if customer.vat_number:
            payload["VATNumber"] = customer.vat_number
        if customer.currency:
            payload["Currency"] = customer.currency
        if address:
            payload.update({
                "Address1": address.address1, "Address2": address.address2, "ZipCode": address.zip_code,
                "City": address.city, "CountryCode": address.country_code, "Phone1": address.phone,
            })
        _check_lengths(payload, CUSTOMER_LIMITS, "Customer")
        return payload

    def find_customers_by_email(self, email: str) -> list[str]:
        """Customer numbers whose e-mail equals `email` (Fortnox searches by substring)."""
        items = self.client.list_all("customers", "Customers", email=email)
        return [str(c["CustomerNumber"]) for c in items if str(c.get("Email", "")).lower() == email.lower()]

    def customer_exists(self, customer_number: str) -> bool:
        return self.client.get_or_none(f"customers/{customer_number}") is not None

    def create_customer(self, customer: Customer) -> PushResult:
        body = self.client.post("customers", {"Customer": self.customer_payload(customer)})
        created = body["Customer"]
        return PushResult(str(created["CustomerNumber"]), True, created)

    def update_customer(self, customer_number: str, customer: Customer) -> PushResult:
        body = self.client.put(f"customers/{customer_number}", {"Customer": self.customer_payload(customer)})
        return PushResult(customer_number, False, body["Customer"])

    # --- invoices ---------------------------------------------------------------------------

    def row_payload(self, row: InvoiceRow) -> dict:
        payload = {
            "Description": row.description[:ROW_DESCRIPTION_MAX],
            "DeliveredQuantity": float(row.quantity),
            "Price": _money(row.unit_price),
            "VAT": float(row.vat_percent),
        }
        if row.article_number:
            payload["ArticleNumber"] = row.article_number
        if row.discount_percent:
            payload["Discount"] = float(row.discount_percent)
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
        if invoice.currency.upper() not in self.currencies():
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
        payload = {
            "CustomerNumber": customer_number,
            "InvoiceDate": invoice.invoice_date.isoformat(),
            "Currency": invoice.currency.upper(),
            "VATIncluded": invoice.prices_include_vat,
            "ExternalInvoiceReference1": invoice.external_reference,
            "ExternalInvoiceReference2": invoice.shipment_number,
            "YourOrderNumber": invoice.order_number,
            "InvoiceRows": [self.row_payload(row) for row in invoice.rows],
        }
        if invoice.currency_rate:
            payload["CurrencyRate"] = float(invoice.currency_rate)
        if invoice.freight:
            payload["Freight"] = _money(invoice.freight)
        if invoice.your_reference:
            payload["YourReference"] = invoice.your_reference
        if invoice.remarks:
            payload["Remarks"] = invoice.remarks
        if invoice.delivery_address:
            address = invoice.delivery_address
            payload.update({
                "DeliveryName": address.name, "DeliveryAddress1": address.address1,
                "DeliveryAddress2": address.address2, "DeliveryZipCode": address.zip_code,
                "DeliveryCity": address.city,
            })
        _check_lengths(payload, INVOICE_LIMITS, "Invoice")
        return {"Invoice": payload}

    def find_invoice(self, external_reference: str) -> dict | None:
        """The invoice carrying our reference, if one exists (recovers a lost create)."""
        items = self.client.list_all("invoices", "Invoices", externalinvoicereference1=external_reference)
        matches = [i for i in items if i.get("ExternalInvoiceReference1") == external_reference]
        return matches[0] if matches else None

    def create_invoice(self, invoice: Invoice, customer_number: str) -> PushResult:
        body = self.client.post("invoices", self.invoice_payload(invoice, customer_number))
        created = body["Invoice"]
        return PushResult(str(created["DocumentNumber"]), True, created)

    def check(self) -> dict:
        return self.client.get("companyinformation")
