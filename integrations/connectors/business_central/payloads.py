"""Business Central's field lengths (business-central.md §7) and value rules: over-long values are
refused by BC (`Application_StringExceededLength`), so they are refused here first, naming the field."""

import re

from ...domain.errors import SyncError
from ...domain.money import round_money

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
# BC documents no line limit; a deep insert is one transaction that must finish within the 8-minute
# operation timeout (§2), so documents are kept to the same ceiling as Fortnox's.
MAX_DOCUMENT_LINES = 500
LINE_DESCRIPTION_MAX = 100
# Item numbers are Code[20], stored upper-case; kept to what is safe in URLs and `$filter` literals.
ITEM_NUMBER = re.compile(r"^[A-Za-z0-9_\-+./]{1,20}$")
EXTERNAL_DOCUMENT_NUMBER_MAX = 35

CUSTOMER_LIMITS = {
    "number": 20, "displayName": 100, "addressLine1": 100, "addressLine2": 50, "city": 30, "state": 30,
    "country": 10, "postalCode": 20, "phoneNumber": 30, "email": 80, "website": 80, "taxRegistrationNumber": 20,
    "currencyCode": 10, "salespersonCode": 20,
}
DOCUMENT_LIMITS = {
    "externalDocumentNumber": EXTERNAL_DOCUMENT_NUMBER_MAX, "customerPurchaseOrderReference": 35,
    "shipToName": 100, "shipToContact": 100, "sellToAddressLine1": 100, "sellToAddressLine2": 50, "sellToCity": 30,
    "sellToCountry": 10, "sellToState": 30, "sellToPostCode": 20, "shipToAddressLine1": 100, "shipToAddressLine2": 50,
    "shipToCity": 30, "shipToCountry": 10, "shipToState": 30, "shipToPostCode": 20, "currencyCode": 10,
    "shortcutDimension1Code": 20, "shortcutDimension2Code": 20, "salesperson": 20, "phoneNumber": 30, "email": 80,
}
ITEM_LIMITS = {"number": 20, "displayName": 100, "gtin": 14}


def check_lengths(record: dict, limits: dict, what: str) -> None:
    for name, limit in limits.items():
        value = record.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise SyncError("field_too_long", f"{what} {name} is {len(value)} characters; Business Central accepts "
                                              f"at most {limit} and refuses longer values: {value[:60]!r}…")


def amount(value) -> float:
    """A price, quantity or amount as a JSON number, rounded by the money policy."""
    return float(round_money(value))
