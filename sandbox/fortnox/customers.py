"""Customers (fortnox.md §5.1): defaults as a real create answer shows them, partial PUT, and
numbers that are never reused, not even after a delete (2000637)."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import errors, listing, references
from .countries import country_name
from .errors import FortnoxError
from .models import Customer, Tenant
from .numbering import next_number
from .validation import BOOL, DEC, ENUM, INT, RO, Field, S, check_article_number, clean, require, to_json

DELIVERY_TYPE = ENUM("PRINT", "EMAIL", "PRINTSERVICE", "ELECTRONICINVOICE")

FIELDS = {
    "@url": RO, "Country": RO, "DeliveryCountry": RO, "VisitingCountry": RO,
    "Active": BOOL, "Address1": S(), "Address2": S(), "City": S(), "Comments": S(), "CostCenter": S(),
    "CountryCode": S(2), "Currency": S(3), "CustomerNumber": S(50),
    "DefaultDeliveryTypes": Field("object", fields={"Invoice": DELIVERY_TYPE, "Order": DELIVERY_TYPE,
                                                    "Offer": DELIVERY_TYPE}),
    "DefaultTemplates": Field("object", fields={"Invoice": S(), "Order": S(), "Offer": S(), "CashInvoice": S()}),
    "DeliveryAddress1": S(), "DeliveryAddress2": S(), "DeliveryCity": S(), "DeliveryCountryCode": S(2),
    "DeliveryFax": S(), "DeliveryName": S(), "DeliveryPhone1": S(), "DeliveryPhone2": S(),
    "DeliveryZipCode": S(10),
    "Email": S(), "EmailInvoice": S(), "EmailInvoiceBCC": S(), "EmailInvoiceCC": S(), "EmailOffer": S(),
    "EmailOfferBCC": S(), "EmailOfferCC": S(), "EmailOrder": S(), "EmailOrderBCC": S(), "EmailOrderCC": S(),
    "ExternalReference": S(), "Fax": S(), "GLN": S(), "GLNDelivery": S(),
    "InvoiceAdministrationFee": DEC, "InvoiceDiscount": DEC, "InvoiceFreight": DEC, "InvoiceRemark": S(),
    "Name": S(), "OrganisationNumber": S(30), "OurReference": S(50), "Phone1": S(), "Phone2": S(),
    "PriceList": S(), "Project": S(), "SalesAccount": INT, "ShowPriceVATIncluded": BOOL,
    "TermsOfDelivery": S(), "TermsOfPayment": S(), "Type": ENUM("PRIVATE", "COMPANY"), "VATNumber": S(),
    "VATType": ENUM("SEVAT", "SEREVERSEDVAT", "EUREVERSEDVAT", "EUVAT", "EXPORT"),
    "VisitingAddress": S(128), "VisitingCity": S(128), "VisitingCountryCode": S(2), "VisitingZipCode": S(10),
    "WayOfDelivery": S(), "WWW": S(), "YourReference": S(50), "ZipCode": S(10),
}

# What a create with only a Name returns (REC customers/save_new, fortnox.md §5.1).
DEFAULTS = {
    "Active": True, "Address1": None, "Address2": None, "City": None, "Comments": None, "CostCenter": None,
    "CountryCode": None, "Currency": "SEK",
    "DefaultDeliveryTypes": {"Invoice": "PRINT", "Offer": "PRINT", "Order": "PRINT"},
    "DefaultTemplates": {"CashInvoice": "DEFAULTTEMPLATE", "Invoice": "DEFAULTTEMPLATE",
                         "Offer": "DEFAULTTEMPLATE", "Order": "DEFAULTTEMPLATE"},
    "DeliveryAddress1": None, "DeliveryAddress2": None, "DeliveryCity": None, "DeliveryCountryCode": None,
    "DeliveryFax": None, "DeliveryName": None, "DeliveryPhone1": None, "DeliveryPhone2": None,
    "DeliveryZipCode": None,
    "Email": "", "EmailInvoice": "", "EmailInvoiceBCC": "", "EmailInvoiceCC": "", "EmailOffer": "",
    "EmailOfferBCC": "", "EmailOfferCC": "", "EmailOrder": "", "EmailOrderBCC": "", "EmailOrderCC": "",
    "ExternalReference": None, "Fax": None, "GLN": None, "GLNDelivery": None,
    "InvoiceAdministrationFee": None, "InvoiceDiscount": None, "InvoiceFreight": None, "InvoiceRemark": "",
    "OrganisationNumber": "", "OurReference": "", "Phone1": None, "Phone2": None, "PriceList": "A",
    "Project": "", "SalesAccount": None, "ShowPriceVATIncluded": False, "TermsOfDelivery": "",
    "TermsOfPayment": "", "Type": "COMPANY", "VATNumber": "", "VATType": "SEVAT", "VisitingAddress": None,
    "VisitingCity": None, "VisitingCountryCode": None, "VisitingZipCode": None, "WayOfDelivery": "",
    "WWW": "", "YourReference": "", "ZipCode": None,
}

# Every writable key, unset: a record read back always has all of them (older rows too).
UNSET = {name: None for name, spec in FIELDS.items() if not spec.read_only}

LIST_FIELDS = ("Address1", "Address2", "City", "CustomerNumber", "Email", "Name", "OrganisationNumber",
               "ZipCode")

SEARCH = {
    "customernumber": "customer_number__icontains",
    "email": "email__icontains",
    "name": "name__icontains",
    "organisationnumber": "organisation_number__icontains",
}
FILTERS = {"active": lambda: Q(data__Active=True), "inactive": lambda: Q(data__Active=False)}
SORT = {"customernumber": "customer_number", "name": "name"}


def render(customer: Customer, base: str) -> dict:
    record = {**UNSET, **customer.data, "CustomerNumber": customer.customer_number, "@url": url(customer, base)}
    record["Country"] = country_name(record.get("CountryCode"))
    record["DeliveryCountry"] = country_name(record.get("DeliveryCountryCode"))
    record["VisitingCountry"] = country_name(record.get("VisitingCountryCode"))
    return dict(sorted(record.items()))


def render_list_item(customer: Customer, base: str) -> dict:
    item = {name: customer.data.get(name) for name in LIST_FIELDS}
    item.update({"@url": url(customer, base), "CustomerNumber": customer.customer_number,
                 "Phone": customer.data.get("Phone1")})
    return dict(sorted(item.items()))


def url(customer: Customer, base: str) -> str:
    return f"{base}customers/{customer.customer_number}"


def live(tenant: Tenant):
    return Customer.objects.filter(tenant=tenant, deleted_at__isnull=True)


def get(tenant: Tenant, number: str, *, lock: bool = False) -> Customer:
    queryset = live(tenant).select_for_update() if lock else live(tenant)
    customer = queryset.filter(customer_number=number).first()
    if customer is None:
        raise errors.customer_not_found()
    return customer


def search(tenant: Tenant, params):
    queryset = listing.apply_search(live(tenant), params, SEARCH)
    queryset = listing.apply_filter(queryset, params, FILTERS)
    return listing.apply_sort(queryset, params, SORT)


def _number_used(number: str) -> FortnoxError:
    return FortnoxError(
        errors.CUSTOMER_NUMBER_USED,
        f"Kundnummer {number} används redan. Kundnumret har redan använts men blivit raderat.",
    )


def _check(tenant: Tenant, values: dict) -> None:
    if values.get("CustomerNumber"):
        check_article_number(values["CustomerNumber"])
    references.check_currency(tenant, values.get("Currency"))
    references.check_terms_of_payment(tenant, values.get("TermsOfPayment"))
    references.check_account(tenant, values.get("SalesAccount"))


def _sync(customer: Customer, data: dict) -> None:
    customer.data = to_json(data)
    customer.name = data.get("Name") or ""
    customer.email = data.get("Email") or ""
    customer.organisation_number = data.get("OrganisationNumber") or ""


def create(tenant: Tenant, payload: dict) -> Customer:
    values = clean(payload, FIELDS)
    require(values, "Name")
    _check(tenant, values)
    number = values.pop("CustomerNumber", None)
    taken = Customer.objects.filter(tenant=tenant)
    try:
        with transaction.atomic():
            if number:
                if taken.filter(customer_number=number).exists():
                    raise _number_used(number)
            else:
                number = str(next_number(tenant, "customer", lambda n: taken.filter(customer_number=str(n)).exists()))
            customer = Customer(tenant=tenant, customer_number=number)
            _sync(customer, {**DEFAULTS, **values})
            customer.save()
    except IntegrityError as exc:
        raise _number_used(number) from exc
    return customer


def _merge(data: dict, values: dict) -> dict:
    """Partial update; nested objects (DefaultDeliveryTypes …) merge key by key."""
    merged = dict(data)
    for name, value in values.items():
        merged[name] = {**(data.get(name) or {}), **value} if isinstance(value, dict) else value
    return merged


def update(tenant: Tenant, number: str, payload: dict) -> Customer:
    values = clean(payload, FIELDS)
    if values.get("CustomerNumber") not in (None, number):
        raise errors.invalid_value("CustomerNumber", values["CustomerNumber"])
    values.pop("CustomerNumber", None)
    if "Name" in values:
        require(values, "Name")
    _check(tenant, values)
    with transaction.atomic():
        customer = get(tenant, number, lock=True)
        _sync(customer, _merge(customer.data, values))
        customer.save()
    return customer


def delete(tenant: Tenant, number: str) -> None:
    """Soft delete: the number stays taken."""
    customer = get(tenant, number)
    customer.deleted_at = timezone.now()
    customer.save(update_fields=["deleted_at", "last_modified"])
