"""Plain domain documents that flows produce and ERP connectors consume.

Flows speak in these, never in an ERP's JSON: a second ERP is one new connector that turns the
same documents into its own payloads. Money is Decimal, in the document's currency.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Address:
    name: str
    address1: str = ""
    address2: str = ""
    zip_code: str = ""
    city: str = ""
    country_code: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Customer:
    """A buyer as the ERP should know it. `source_id` is stable even when the e-mail changes."""

    source_id: str
    email: str
    name: str
    is_company: bool = False
    organisation_number: str = ""
    vat_number: str = ""
    currency: str = ""
    address: Address | None = None
    country_is_eu: bool | None = None


@dataclass(frozen=True)
class InvoiceRow:
    """One invoice row. `article_number` empty means a free row booked on `account`."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    vat_percent: Decimal
    article_number: str = ""
    discount_percent: Decimal = Decimal("0")
    account: int | None = None

    @property
    def total(self) -> Decimal:
        gross = self.unit_price * self.quantity
        return (gross - gross * self.discount_percent / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Invoice:
    """An invoice (or, with negative quantities, a credit invoice) for one Centra shipment.

    `external_reference` is written into a searchable reference field of the ERP document; it is
    how a lost response is recovered without creating a second invoice.
    """

    external_reference: str
    customer: Customer
    currency: str
    invoice_date: date
    rows: list[InvoiceRow]
    order_number: str = ""
    shipment_number: str = ""
    freight: Decimal = Decimal("0")
    prices_include_vat: bool = True
    your_reference: str = ""
    remarks: str = ""
    currency_rate: Decimal | None = None
    delivery_address: Address | None = None
    expected_total: Decimal | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), Decimal("0")) + self.freight


@dataclass(frozen=True)
class PushResult:
    """What an ERP connector did with a document."""

    target_id: str
    created: bool
    document: dict | None = None
