"""Plain domain documents that flows produce and ERP connectors consume.

Flows speak in these, never in an ERP's JSON: a second ERP is one new connector that turns the
same documents into its own payloads. Money is Decimal, in the document's currency.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .money import row_total


@dataclass(frozen=True)
class Customer:
    """A buyer as the ERP should know it. `source_id` is stable even when the e-mail changes.

    A company is one customer whoever buys for it: its `source_id` is its company key (see
    `company_key`), its `name` the company's, and the person buying is its `contact_person`.
    """

    source_id: str
    email: str
    name: str
    is_company: bool | None = None  # None: the source does not say (keep what the ERP has)
    organisation_number: str = ""
    vat_number: str = ""
    currency: str = ""
    country_code: str = ""
    country_is_eu: bool | None = None
    fields: dict = field(default_factory=dict)  # target fields from the integration's field mappings
    contact_person: str = ""


COMPANY_KEY_PREFIX = "company-"


def company_key(organisation_number: str, vat_number: str = "") -> str:
    """The source id of a company customer: its organisation number, else its VAT number ("" if
    neither is known), so two people buying for one company are one customer."""
    for number in (organisation_number, vat_number):
        key = "".join(character for character in str(number or "") if character.isalnum()).upper()
        if key:
            return f"{COMPANY_KEY_PREFIX}{key}"
    return ""


@dataclass(frozen=True)
class InvoiceRow:
    """One invoice row. `article_number` empty means a free row booked on `account`.

    Its total is what the ERP computes from it (see `money.row_total`), so rows we add up are
    the rows the ERP adds up.
    """

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_percent: Decimal
    article_number: str = ""
    discount_percent: Decimal = Decimal("0")
    account: int | None = None

    @property
    def total(self) -> Decimal:
        return row_total(self.unit_price, self.quantity, self.discount_percent)


@dataclass(frozen=True)
class Invoice:
    """An invoice for one Centra shipment, or (negative quantities) a credit invoice for a return.

    `external_reference` is written into a searchable reference field of the ERP document; it is
    how a lost response is recovered without creating a second invoice. Shipping, discounts and
    fees are rows, so each is booked on its own account.
    """

    external_reference: str
    customer: Customer
    currency: str
    invoice_date: date
    rows: list[InvoiceRow]
    order_number: str = ""
    shipment_number: str = ""
    prices_include_vat: bool = True
    currency_rate: Decimal | None = None
    fields: dict = field(default_factory=dict)  # target header fields from the field mappings
    credit_of: str = ""  # a credit invoice: the ERP number of the invoice it credits
    # How the rows were booked (accounts and VAT per rate), kept with the invoice's record link so
    # its credit invoices book exactly the same way (mappings.accounting.FrozenBooking).
    booking: dict = field(default_factory=dict)

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), Decimal("0"))

    @property
    def is_credit(self) -> bool:
        return bool(self.credit_of)


@dataclass(frozen=True)
class PushResult:
    """What an ERP connector did with a document."""

    target_id: str
    created: bool
    document: dict | None = None


@dataclass(frozen=True)
class DocumentSummary:
    """An ERP invoice or credit invoice as the ERP's document list shows it: what reconciliation
    compares, read a page of hundreds at a time instead of one document per request.

    `total` is the ERP's own total (after its rounding, negative for a credit invoice). A list
    does not say which invoice a credit invoice credits, so a summary does not either.
    """

    number: str
    external_reference: str
    invoice_date: date | None
    total: Decimal
    currency: str
    cancelled: bool
    is_credit: bool


@dataclass(frozen=True)
class Article:
    """A sellable item as the ERP should know it: one Centra product size.

    `article_number` is the SKU. `sales_price` is None when the shop did not choose a pricelist
    (or the size has no price in it): the ERP's price is then left alone.
    """

    source_id: str
    article_number: str
    description: str
    ean: str = ""
    service: bool = False
    sales_price: Decimal | None = None


@dataclass(frozen=True)
class StockLevel:
    """Physical stock of one ERP article, the source of truth for the shop's stock."""

    article_number: str
    quantity: Decimal
    ean: str = ""
    description: str = ""


@dataclass(frozen=True)
class ErpCompany:
    """Who an ERP connection reaches: what a health check shows, and the tenant id that lets a
    connection recover its access by itself where the ERP allows it."""

    name: str
    tenant_id: str = ""
    organisation_number: str = ""  # shown to the owner who connected it, to confirm the right company
