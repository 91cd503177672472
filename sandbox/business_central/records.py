"""Entity sets of a company: what each accepts, how long its text may be, which fields are Code
fields (stored upper-case) and which are read-only (business-central.md §5, §7).

Records keep their API JSON; writes go through `clean`, which refuses what BC refuses: unknown
properties, read-only fields, over-long strings (BC rejects, it never truncates).
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction

from .errors import BCError, dialog, too_long
from .models import Company, Record
from .odata import etag

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Spec:
    """Writable fields with their length (None: not text), Code fields, read-only fields."""

    entity_type: str
    fields: dict
    codes: frozenset = frozenset()
    readonly: frozenset = frozenset()
    children: dict = field(default_factory=dict)  # navigation property -> line entity set


CUSTOMER = Spec("customer", {
    "number": 20, "displayName": 100, "type": 20, "addressLine1": 100, "addressLine2": 50, "city": 30, "state": 30,
    "country": 10, "postalCode": 20, "phoneNumber": 30, "email": 80, "website": 80, "salespersonCode": 20,
    "creditLimit": None, "taxLiable": None, "taxAreaId": None, "taxRegistrationNumber": 20, "currencyId": None,
    "currencyCode": 10, "paymentTermsId": None, "shipmentMethodId": None, "paymentMethodId": None, "blocked": 10,
}, frozenset({"number", "country", "postalCode", "salespersonCode", "currencyCode"}),
    frozenset({"id", "taxAreaDisplayName", "balanceDue", "lastModifiedDateTime"}))

ITEM = Spec("item", {
    "number": 20, "displayName": 100, "displayName2": 50, "type": 20, "itemCategoryCode": 20, "blocked": None,
    "gtin": 14, "inventory": None, "unitPrice": None, "priceIncludesTax": None, "unitCost": None,
    "taxGroupCode": 20, "baseUnitOfMeasureCode": 10, "generalProductPostingGroupCode": 20,
    "inventoryPostingGroupCode": 20,
}, frozenset({"number", "itemCategoryCode", "gtin", "taxGroupCode", "baseUnitOfMeasureCode",
              "generalProductPostingGroupCode", "inventoryPostingGroupCode"}),
    frozenset({"id", "lastModifiedDateTime"}))

LINE = Spec("salesDocumentLine", {
    "sequence": None, "lineType": 20, "itemId": None, "accountId": None, "lineObjectNumber": 20, "description": 100,
    "description2": 50, "unitOfMeasureCode": 10, "quantity": None, "unitPrice": None, "discountAmount": None,
    "discountPercent": None, "taxCode": 20, "shipmentDate": None, "itemVariantId": None, "locationId": None,
}, frozenset({"lineObjectNumber", "unitOfMeasureCode", "taxCode"}),
    frozenset({"id", "documentId", "taxPercent", "amountExcludingTax", "totalTaxAmount", "amountIncludingTax",
               "netAmount", "netTaxAmount", "netAmountIncludingTax", "invoiceDiscountAllocation"}))

_HEADER = {
    "externalDocumentNumber": 35, "postingDate": None, "dueDate": None, "customerId": None, "customerNumber": 20,
    "billToCustomerId": None, "billToCustomerNumber": 20, "shipToName": 100, "shipToContact": 100,
    "sellToAddressLine1": 100, "sellToAddressLine2": 50, "sellToCity": 30, "sellToCountry": 10, "sellToState": 30,
    "sellToPostCode": 20, "shipToAddressLine1": 100, "shipToAddressLine2": 50, "shipToCity": 30, "shipToCountry": 10,
    "shipToState": 30, "shipToPostCode": 20, "currencyId": None, "currencyCode": 10, "shortcutDimension1Code": 20,
    "shortcutDimension2Code": 20, "paymentTermsId": None, "shipmentMethodId": None, "salesperson": 20,
    "discountAmount": None, "phoneNumber": 30, "email": 80,
}
_HEADER_CODES = frozenset({"externalDocumentNumber", "customerNumber", "billToCustomerNumber", "sellToCountry",
                           "sellToPostCode", "shipToCountry", "shipToPostCode", "currencyCode",
                           "shortcutDimension1Code", "shortcutDimension2Code", "salesperson"})
_HEADER_READONLY = frozenset({"id", "number", "customerName", "billToName", "status", "totalAmountExcludingTax",
                              "totalTaxAmount", "totalAmountIncludingTax", "remainingAmount", "pricesIncludeTax",
                              "lastModifiedDateTime", "orderId", "orderNumber", "discountAppliedBeforeTax"})
SALES_INVOICE = Spec("salesInvoice", {**_HEADER, "invoiceDate": None, "customerPurchaseOrderReference": 35},
                     _HEADER_CODES, _HEADER_READONLY, {"salesInvoiceLines": "salesInvoiceLines"})
SALES_CREDIT_MEMO = Spec("salesCreditMemo", {
    **_HEADER, "creditMemoDate": None, "invoiceId": None, "invoiceNumber": 20, "customerReturnReasonId": None,
    "billToAddressLine1": 100, "billToAddressLine2": 50, "billToCity": 30, "billToCountry": 10, "billToState": 30,
    "billToPostCode": 20,
}, _HEADER_CODES | {"invoiceNumber", "billToCountry", "billToPostCode"}, _HEADER_READONLY,
    {"salesCreditMemoLines": "salesCreditMemoLines"})

SPECS = {"customers": CUSTOMER, "items": ITEM, "salesInvoices": SALES_INVOICE, "salesCreditMemos": SALES_CREDIT_MEMO}
# Entity sets that are read-only over the API (GET only, §5.6-5.8).
READ_ONLY_SETS = {"accounts", "taxGroups", "taxAreas", "currencies", "itemLedgerEntries", "paymentTerms",
                  "unitsOfMeasure", "countriesRegions", "generalProductPostingGroups", "inventoryPostingGroups",
                  "locations"}


def now_text() -> str:
    """`lastModifiedDateTime`: UTC with milliseconds and Z, e.g. 2020-08-21T07:38:44.293Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{datetime.now(UTC).microsecond // 1000:03d}Z"


def clean(spec: Spec, body, *, creating: bool) -> dict:
    """The writable values of `body`, upper-cased where BC stores Code fields, lengths checked."""
    if not isinstance(body, dict):
        raise BCError(400, "BadRequest", "Invalid Request Body")
    values = {}
    for name, value in body.items():
        if name.startswith("@odata"):
            continue
        if name in spec.children:
            continue  # deep insert: the caller handles the lines
        if name in spec.readonly:
            if name == "id" and not creating:
                raise dialog("The id cannot be changed.")
            raise BCError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")
        if name not in spec.fields:
            raise BCError(400, "BadRequest",
                          f"The property '{name}' does not exist on type 'Microsoft.NAV.{spec.entity_type}'. "
                          "Make sure to only use property names that are defined by the type.")
        limit = spec.fields[name]
        if limit is not None and value is not None:
            if not isinstance(value, str):
                raise BCError(400, "BadRequest", f"Cannot convert a primitive value to the expected type "
                                                 f"'Edm.String' ({name}).")
            if len(value) > limit:
                raise too_long(value, limit)
            if name in spec.codes:
                value = value.upper()
        values[name] = value
    return values


def number(value, what: str) -> Decimal:
    if isinstance(value, bool):
        raise BCError(400, "BadRequest", f"Cannot convert the literal '{value}' to the expected type 'Edm.Decimal' "
                                         f"({what}).")
    try:
        return Decimal(str(value if value is not None else 0))
    except ArithmeticError as exc:
        raise BCError(400, "BadRequest", f"Cannot convert '{value}' to 'Edm.Decimal' ({what}).") from exc


def next_number(company: Company, series: str, first: int, prefix: str = "", width: int = 0) -> str:
    """The next number of a No. Series (the company row is locked while it is taken)."""
    with transaction.atomic():
        locked = Company.objects.select_for_update().get(pk=company.pk)
        current = int(locked.next_numbers.get(series, first))
        locked.next_numbers = {**locked.next_numbers, series: current + 1}
        locked.save(update_fields=["next_numbers"])
    company.next_numbers = locked.next_numbers
    return f"{prefix}{current:0{width}d}"


def records(company: Company, entity: str):
    return Record.objects.filter(company=company, entity=entity)


def find(company: Company, entity: str, record_id) -> Record | None:
    try:
        key = uuid.UUID(str(record_id))
    except ValueError as exc:
        raise BCError(400, "Application_InvalidGUID", f"Invalid GUID string: '{record_id}'.") from exc
    return records(company, entity).filter(pk=key).first()


def by_number(company: Company, entity: str, value: str) -> Record | None:
    return records(company, entity).filter(number=value).first()


def create(company: Company, entity: str, data: dict, *, number_value: str = "") -> Record:
    top = records(company, entity).order_by("-sequence").values_list("sequence", flat=True).first() or 0
    record = Record(company=company, entity=entity, number=number_value, sequence=top + 1)
    record.data = {**data, "id": str(record.id), "lastModifiedDateTime": now_text()}
    if number_value:
        record.data["number"] = number_value
    record.save()
    return record


def save(record: Record) -> Record:
    """Every write bumps the version: the etag changes."""
    record.version += 1
    record.data["lastModifiedDateTime"] = now_text()
    record.save(update_fields=["data", "version", "number"])
    return record


def rendered(record: Record, context: str = "") -> dict:
    body = {"@odata.etag": etag(record.id, record.version),
            **{k: v for k, v in record.data.items() if k != "lines" and not k.startswith("_")}}
    if context:
        body = {"@odata.context": context, **body}
    return body


def check_if_match(request, record: Record) -> None:
    """PATCH and DELETE need `If-Match` with the current etag or `*` (§1.3); a stale one is 409."""
    wanted = request.headers.get("If-Match")
    if not wanted:
        raise BCError(record.company.environment.missing_if_match_status, "BadRequest_InvalidToken",
                      "Could not validate the client concurrency token required by the service. Please provide a "
                      "valid token in the client request.")
    if wanted.strip() != "*" and wanted.strip() != etag(record.id, record.version):
        raise BCError(409, "Request_EntityChanged", "Another user has already changed the record.")
