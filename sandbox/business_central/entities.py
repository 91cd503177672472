"""Customers, items and item ledger entries (business-central.md §5.1, §5.4, §5.5)."""

from decimal import Decimal

from django.db import transaction

from . import records as store
from .errors import BCError, dialog, record_not_found
from .models import Company, Record


def lookup_code(company: Company, entity: str, code: str) -> Record | None:
    return store.records(company, entity).filter(number=code).first()


def check_currency(company: Company, code: str) -> str:
    """The LCY code is translated to blank and back (§4.4): stored as given, so it reads back the same."""
    if code and code != company.local_currency and lookup_code(company, "currencies", code) is None:
        raise dialog('The "currencyCode" does not match to a Currency.')
    return code


def _duplicate(company: Company, table: str, value: str) -> BCError:
    return BCError(company.environment.duplicate_key_status, "Internal_EntityWithSameKeyExists",
                   f"The record in table {table} already exists. Identification fields and values: No.='{value}'")


def _customer_references(company: Company, values: dict, data: dict) -> None:
    if "taxAreaId" in values:
        area_id = values["taxAreaId"] or store.EMPTY_GUID
        if area_id == store.EMPTY_GUID:
            data["taxAreaId"], data["taxAreaDisplayName"] = store.EMPTY_GUID, ""
        else:
            area = store.find(company, "taxAreas", area_id)
            if area is None:
                raise record_not_found("VAT Business Posting Group", "SystemId", area_id)
            data["taxAreaId"], data["taxAreaDisplayName"] = str(area.id), area.data["displayName"]
            data["_vatBusPostingGroup"] = area.number
    if values.get("country") and lookup_code(company, "countriesRegions", values["country"]) is None:
        raise record_not_found("Country/Region", "Code", values["country"])
    if "currencyCode" in values:
        check_currency(company, values["currencyCode"] or "")
    phone = values.get("phoneNumber") or ""
    if any(character.isalpha() for character in phone):
        raise BCError(400, "Application_FieldValidationException",
                      f"Phone No. must not contain letters in Customer: Phone No.={phone}")


@transaction.atomic
def create_customer(company: Company, body) -> Record:
    values = store.clean(store.CUSTOMER, body, creating=True)
    if "inventory" in values:
        raise dialog("Inventory cannot be changed during on insert.")
    number = values.pop("number", "") or ""
    if number and store.by_number(company, "customers", number):
        raise _duplicate(company, "Customer", number)
    data = {"number": "", "displayName": "", "type": "Company", "addressLine1": "", "addressLine2": "", "city": "",
            "state": "", "country": "", "postalCode": "", "phoneNumber": "", "email": "", "website": "",
            "salespersonCode": "", "balanceDue": 0, "creditLimit": 0, "taxLiable": False,
            "taxAreaId": store.EMPTY_GUID, "taxAreaDisplayName": "", "taxRegistrationNumber": "",
            "currencyId": store.EMPTY_GUID, "currencyCode": company.local_currency, "blocked": " ",
            # What the customer template sets and the API cannot (§5.1): VAT business group, prices incl. VAT.
            "_vatBusPostingGroup": default_vat_business_group(company),
            "_pricesIncludeTax": company.prices_include_tax}
    _customer_references(company, values, data)
    data.update({k: v for k, v in values.items() if k not in ("taxAreaId",)})
    number = number or store.next_number(company, "customer", 10, "C", 5)
    return store.create(company, "customers", data, number_value=number)


@transaction.atomic
def update_customer(company: Company, record: Record, body) -> Record:
    values = store.clean(store.CUSTOMER, body, creating=False)
    if "number" in values and values["number"] != record.number:
        if store.by_number(company, "customers", values["number"]):
            raise _duplicate(company, "Customer", values["number"])
        record.number = values["number"]
    _customer_references(company, values, record.data)
    record.data.update({k: v for k, v in values.items() if k not in ("taxAreaId",)})
    return store.save(record)


def default_vat_business_group(company: Company) -> str:
    first = store.records(company, "taxAreas").order_by("sequence").first()
    return first.number if first else ""


# --- items --------------------------------------------------------------------------------------

def _item_references(company: Company, values: dict) -> None:
    if values.get("taxGroupCode") and lookup_code(company, "taxGroups", values["taxGroupCode"]) is None:
        raise record_not_found("VAT Product Posting Group", "Code", values["taxGroupCode"])
    unit = values.get("baseUnitOfMeasureCode")
    if unit and lookup_code(company, "unitsOfMeasure", unit) is None:
        raise record_not_found("Unit of Measure", "Code", unit)
    if values.get("type") not in (None, "Inventory", "Service", "Non-Inventory"):
        raise BCError(400, "Application_EvaluateException",
                      f"The value \"{values['type']}\" can't be evaluated into type Option.")


@transaction.atomic
def create_item(company: Company, body) -> Record:
    values = store.clean(store.ITEM, body, creating=True)
    if "inventory" in values:
        raise dialog("Inventory cannot be changed during on insert.")
    _item_references(company, values)
    number = values.pop("number", "") or ""
    if number and store.by_number(company, "items", number):
        raise _duplicate(company, "Item", number)
    data = {"number": "", "displayName": "", "displayName2": "", "type": "Inventory", "itemCategoryCode": "",
            "blocked": False, "gtin": "", "inventory": 0, "unitPrice": 0, "priceIncludesTax": False, "unitCost": 0,
            "taxGroupCode": "VAT25", "baseUnitOfMeasureCode": "PCS", "generalProductPostingGroupCode": "RETAIL",
            "inventoryPostingGroupCode": "RESALE"}
    data.update(values)
    number = number or store.next_number(company, "item", 1000)
    return store.create(company, "items", data, number_value=number)


@transaction.atomic
def update_item(company: Company, record: Record, body) -> Record:
    values = store.clean(store.ITEM, body, creating=False)
    _item_references(company, values)
    if "number" in values and values["number"] != record.number:
        if store.by_number(company, "items", values["number"]):
            raise _duplicate(company, "Item", values["number"])
        record.number = values["number"]
    if "inventory" in values:  # an item-journal adjustment for the difference (§5.4)
        difference = store.number(values.pop("inventory"), "inventory") - Decimal(str(record.data["inventory"]))
        if difference:
            ledger_entry(company, record, difference, "Positive Adjmt." if difference > 0 else "Negative Adjmt.",
                         document_number="ADJ", document_type=" ")
            record.refresh_from_db()
    record.data.update(values)
    return store.save(record)


def ledger_entry(company: Company, item: Record, quantity: Decimal, entry_type: str, *, document_number: str,
                 document_type: str, posting_date: str = "", amount: Decimal = Decimal(0)) -> Record:
    """One item ledger entry (read-only, increasing `entryNumber`); the item's inventory follows it.
    The item's `lastModifiedDateTime` does not change (§5.5: stock moves leave the item alone)."""
    entry_number = int(store.next_number(company, "itemLedgerEntry", 1))
    entry = store.create(company, "itemLedgerEntries", {
        "entryNumber": entry_number, "itemNumber": item.number, "postingDate": posting_date or store.now_text()[:10],
        "entryType": entry_type, "sourceNumber": "", "sourceType": "Customer" if entry_type == "Sale" else " ",
        "documentNumber": document_number, "documentType": document_type, "description": item.data["displayName"],
        "quantity": float(quantity), "salesAmountActual": float(amount), "costAmountActual": 0,
    }, number_value=str(entry_number))
    inventory = Decimal(str(item.data["inventory"])) + quantity
    Record.objects.filter(pk=item.pk).update(data={**item.data, "inventory": float(inventory)})
    item.data["inventory"] = float(inventory)
    return entry
