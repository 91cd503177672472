"""Fortnox's limits and the small helpers that shape values for its payloads (fortnox.md §7)."""

import re
from decimal import Decimal

from ...domain.documents import Customer
from ...domain.errors import SyncError
from ...domain.money import round_money

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


def money(value: Decimal) -> float:
    """A price, quantity or discount as Fortnox stores it (2 decimals, half up: `money.round_money`),
    as a JSON number."""
    return float(round_money(value))


def check_lengths(record: dict, limits: dict, what: str) -> None:
    for name, limit in limits.items():
        value = record.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise SyncError(
                "field_too_long",
                f"{what} {name} is {len(value)} characters; Fortnox accepts at most {limit}: {value[:60]!r}…",
            )


def vat_type(customer: Customer, home_country: str) -> str:
    """Fortnox VATType from where the buyer is (how integrators pick it)."""
    country = customer.country_code or home_country
    if country == home_country:
        return "SEVAT"
    if customer.country_is_eu:
        return "EUREVERSEDVAT" if customer.is_company and customer.vat_number else "EUVAT"
    return "EXPORT"


