"""Invoices (fortnox.md §5.2): defaults from the customer and the company, server-side totals,
partial PUT while the invoice is neither booked nor cancelled. Actions live in `invoice_actions`."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import customers, errors, invoice_rows, listing, references, totals
from .countries import country_name
from .errors import FortnoxError
from .models import Customer, Invoice, InvoiceRow, Tenant
from .numbering import next_number
from .validation import BOOL, DATE, DEC, ENUM, INT, RO, Field, S, clean, require, to_json

EMAIL_FIELDS = {name: S() for name in ("EmailAddressFrom", "EmailAddressTo", "EmailAddressCC",
                                       "EmailAddressBCC", "EmailSubject", "EmailBody")}
EDI_FIELDS = {
    **{name: S() for name in ("EDIGlobalLocationNumber", "EDIGlobalLocationNumberDelivery", "EDIInvoiceExtra1",
                              "EDIInvoiceExtra2", "EDIOurElectronicReference", "EDIYourElectronicReference")},
    "EDIStatus": RO,
}
READ_ONLY = (
    "@url", "@urlTaxReductionList", "AccountingMethod", "AdministrationFeeVAT", "Balance", "BasisTaxReduction",
    "Booked", "Cancelled", "ContractReference", "ContributionPercent", "ContributionValue", "Credit",
    "CreditInvoiceReference", "FinalPayDate", "FreightVAT", "Gross", "HouseWork", "InvoicePeriodEnd",
    "InvoicePeriodStart", "InvoiceReference", "LastRemindDate", "Net", "NoxFinans", "OfferReference",
    "OrderReference", "OrganisationNumber", "Reminders", "RoundOff", "Sent", "TaxReduction",
    "TimeBasisReference", "Total", "TotalToPay", "TotalVAT", "VoucherNumber", "VoucherSeries", "VoucherYear",
    "WarehouseReady",
)
FIELDS = {
    **dict.fromkeys(READ_ONLY, RO),
    "AdministrationFee": DEC, "Address1": S(), "Address2": S(), "City": S(), "Comments": S(),
    "CostCenter": S(), "Country": S(), "Currency": S(3), "CurrencyRate": Field("decimal", places=None),
    "CurrencyUnit": Field("decimal", places=None), "CustomerName": S(), "CustomerNumber": S(50),
    "DeliveryAddress1": S(), "DeliveryAddress2": S(), "DeliveryCity": S(), "DeliveryCountry": S(),
    "DeliveryDate": DATE, "DeliveryName": S(), "DeliveryZipCode": S(), "DocumentNumber": INT, "DueDate": DATE,
    "EDIInformation": Field("object", fields=EDI_FIELDS), "EmailInformation": Field("object", fields=EMAIL_FIELDS),
    "EUQuarterlyReport": BOOL, "ExternalInvoiceReference1": S(80), "ExternalInvoiceReference2": S(80),
    "Freight": DEC, "InvoiceDate": DATE, "InvoiceRows": Field("list"),
    "InvoiceType": ENUM("INVOICE", "AGREEMENTINVOICE", "INTRESTINVOICE", "SUMMARYINVOICE", "CASHINVOICE"),
    "Labels": Field("list", fields={"Id": INT}), "Language": ENUM("SV", "EN"), "NotCompleted": BOOL,
    "OCR": S(), "OurReference": S(50), "OutboundDate": DATE, "PaymentWay": ENUM("CASH", "CARD", "AG", ""),
    "Phone1": S(), "Phone2": S(), "PriceList": S(), "PrintTemplate": S(), "Project": S(), "Remarks": S(),
    "TaxReductionType": ENUM("none", "rot", "rut", "green"), "TermsOfDelivery": S(), "TermsOfPayment": S(),
    "VATIncluded": BOOL, "WayOfDelivery": S(), "YourOrderNumber": S(30), "YourReference": S(50), "ZipCode": S(),
}

# Header fields a new invoice copies from its customer: invoice field -> customer field.
FROM_CUSTOMER = {
    "CustomerName": "Name", "Address1": "Address1", "Address2": "Address2", "City": "City",
    "ZipCode": "ZipCode", "Phone1": "Phone1", "Phone2": "Phone2", "DeliveryName": "DeliveryName",
    "DeliveryAddress1": "DeliveryAddress1", "DeliveryAddress2": "DeliveryAddress2",
    "DeliveryCity": "DeliveryCity", "DeliveryZipCode": "DeliveryZipCode",
    "OrganisationNumber": "OrganisationNumber", "OurReference": "OurReference",
    "YourReference": "YourReference", "TermsOfDelivery": "TermsOfDelivery", "WayOfDelivery": "WayOfDelivery",
    "Remarks": "InvoiceRemark",
}

LIST_FIELDS = (
    "Balance", "Booked", "Cancelled", "CostCenter", "Currency", "CurrencyRate", "CurrencyUnit", "CustomerName",
    "CustomerNumber", "DocumentNumber", "DueDate", "ExternalInvoiceReference1", "ExternalInvoiceReference2",
    "FinalPayDate", "InvoiceDate", "InvoiceType", "NoxFinans", "OCR", "Project", "Sent", "TermsOfPayment",
    "Total", "VoucherNumber", "VoucherSeries", "VoucherYear", "WayOfDelivery",
)

# Text searches are substrings; number searches are exact (SIMULATED: Fortnox's ILIKE on numbers
# would make customernumber=1 match 10, 11 …, which no integration expects).
SEARCH = {
    "externalinvoicereference1": "external_invoice_reference1__icontains",
    "externalinvoicereference2": "external_invoice_reference2__icontains",
    "yourordernumber": "your_order_number__icontains",
    "customernumber": "customer_number",
    "documentnumber": "document_number",
}
FILTERS = {
    "cancelled": lambda: Q(cancelled=True),
    "fullypaid": lambda: Q(cancelled=False, balance=0),
    "unpaid": lambda: Q(cancelled=False) & ~Q(balance=0),
    "unpaidoverdue": lambda: Q(cancelled=False, due_date__lt=timezone.localdate()) & ~Q(balance=0),
    "unbooked": lambda: Q(cancelled=False, booked=False),
}
SORT = {"documentnumber": "document_number", "customernumber": "customer_number",
        "invoicedate": "invoice_date", "duedate": "due_date", "total": "total"}


def render(invoice: Invoice, base: str) -> dict:
    number = invoice.document_number
    record = {
        **invoice.data,
        "@url": f"{base}invoices/{number}",
        "@urlTaxReductionList": f"{base}taxreductions?filter=invoices&referencenumber={number}",
        "Balance": to_json(invoice.balance),
        "InvoiceRows": [dict(sorted({**row.data, "RowId": row.pk}.items())) for row in invoice.rows.all()],
    }
    return dict(sorted(record.items()))


def render_list_item(invoice: Invoice, base: str) -> dict:
    item = {name: invoice.data.get(name) for name in LIST_FIELDS}
    item.update({"@url": f"{base}invoices/{invoice.document_number}", "Balance": to_json(invoice.balance)})
    return dict(sorted(item.items()))


def get(tenant: Tenant, number, *, lock: bool = False) -> Invoice:
    if not str(number).isdigit():
        raise errors.invoice_not_found()
    queryset = Invoice.objects.select_for_update() if lock else Invoice.objects
    invoice = queryset.filter(tenant=tenant, document_number=int(number)).first()
    if invoice is None:
        raise errors.invoice_not_found()
    return invoice


def search(tenant: Tenant, params):
    queryset = Invoice.objects.filter(tenant=tenant)
    if params.get("documentnumber") and not params["documentnumber"].isdigit():
        return queryset.none()
    queryset = listing.apply_search(queryset, params, SEARCH)
    queryset = listing.apply_filter(queryset, params, FILTERS)
    if params.get("credit"):
        if params["credit"] not in ("true", "false"):
            raise errors.invalid_parameter()
        queryset = queryset.filter(credit=params["credit"] == "true")
    if params.get("fromdate"):
        queryset = queryset.filter(invoice_date__gte=listing.parse_date(params["fromdate"]))
    if params.get("todate"):
        queryset = queryset.filter(invoice_date__lte=listing.parse_date(params["todate"]))
    return listing.apply_sort(queryset, params, SORT)


def ocr(document_number: int) -> str:
    """Swedish OCR reference: number + length digit + Luhn check digit (SIMULATED algorithm)."""
    base = f"{document_number}{(len(str(document_number)) + 2) % 10}"
    total = 0
    for position, digit in enumerate(reversed(base)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{base}{(10 - total % 10) % 10}"


def _customer(tenant: Tenant, number: str) -> Customer:
    """The invoice's customer; a missing one is a validation error (400, lower-case)."""
    customer = customers.live(tenant).filter(customer_number=number).first()
    if customer is None:
        raise FortnoxError(errors.CUSTOMER_NOT_FOUND, "Kan inte hitta kunden.")
    return customer


def _from_customer(customer: Customer) -> dict:
    data = customer.data
    header = {field: data.get(source) or "" for field, source in FROM_CUSTOMER.items()}
    header.update({
        "CustomerNumber": customer.customer_number,
        "Country": country_name(data.get("CountryCode")) or "",
        "DeliveryCountry": country_name(data.get("DeliveryCountryCode")) or "",
        "Currency": data.get("Currency") or "SEK",
        "PriceList": data.get("PriceList") or "A",
        "TermsOfPayment": data.get("TermsOfPayment") or "30",
        "Freight": data.get("InvoiceFreight") or 0,
        "AdministrationFee": data.get("InvoiceAdministrationFee") or 0,
    })
    header["EmailInformation"] = {
        "EmailAddressFrom": None, "EmailAddressTo": data.get("EmailInvoice") or data.get("Email") or "",
        "EmailAddressCC": data.get("EmailInvoiceCC") or "", "EmailAddressBCC": data.get("EmailInvoiceBCC") or "",
        "EmailSubject": "Faktura {no} bifogas", "EmailBody": " ",
    }
    return header


def defaults() -> dict:
    """What a POST with only CustomerNumber and rows shows besides the customer's data [REC]."""
    today = timezone.localdate().isoformat()
    return {
        "AccountingMethod": "ACCRUAL", "BasisTaxReduction": 0, "Booked": False, "Cancelled": False,
        "Comments": "", "ContractReference": "0", "ContributionPercent": 0, "ContributionValue": 0,
        "CostCenter": "", "Credit": "false", "CreditInvoiceReference": "0", "DeliveryDate": None,
        "EDIInformation": {**dict.fromkeys(EDI_FIELDS, ""), "EDIStatus": ""}, "EUQuarterlyReport": False,
        "ExternalInvoiceReference1": "", "ExternalInvoiceReference2": "", "FinalPayDate": None,
        "HouseWork": False, "InvoiceDate": today, "InvoicePeriodEnd": "", "InvoicePeriodStart": "",
        "InvoiceReference": "0", "InvoiceType": "INVOICE", "Labels": [], "Language": "SV",
        "LastRemindDate": None, "NotCompleted": False, "NoxFinans": False, "OfferReference": "0",
        "OrderReference": "0", "OutboundDate": today, "PaymentWay": "", "PrintTemplate": "st", "Project": "",
        "Reminders": 0, "Sent": False, "TaxReduction": None, "TaxReductionType": "none",
        "TimeBasisReference": None, "VATIncluded": False, "VoucherNumber": None, "VoucherSeries": None,
        "VoucherYear": None, "WarehouseReady": True, "YourOrderNumber": "",
    }


def _resolve(tenant: Tenant, header: dict, values: dict) -> None:
    """Codes must exist; DueDate and currency rate follow from terms/currency unless sent."""
    currency = references.currency(tenant, header["Currency"])
    if "CurrencyRate" not in values and ("Currency" in values or "CurrencyRate" not in header):
        header["CurrencyRate"] = currency.sell_rate
        header["CurrencyUnit"] = currency.unit
    terms = references.terms_of_payment(tenant, header["TermsOfPayment"])
    if "DueDate" not in values and ({"InvoiceDate", "TermsOfPayment"} & set(values) or not header.get("DueDate")):
        invoice_date = dt.date.fromisoformat(header["InvoiceDate"])
        header["DueDate"] = (invoice_date + dt.timedelta(days=terms.days)).isoformat()
    if header["DueDate"] < header["InvoiceDate"]:
        raise errors.invalid_value("DueDate", header["DueDate"])


def store(invoice: Invoice, header: dict, rows: list[dict]) -> None:
    """Compute totals and write header, columns and rows (rows get new RowIds, as in Fortnox)."""
    tenant = invoice.tenant
    rows = invoice_rows.finish(rows, bool(header.get("VATIncluded")))
    amounts = totals.compute(rows, freight=header.get("Freight"), administration_fee=header.get("AdministrationFee"),
                             vat_included=bool(header.get("VATIncluded")), rounding=tenant.rounding)
    header.update(amounts.as_fields())
    invoice.credit = invoice.credit_of_id is not None or amounts.total < 0
    header.update({"DocumentNumber": str(invoice.document_number), "Credit": "true" if invoice.credit else "false",
                   "Booked": invoice.booked, "Cancelled": invoice.cancelled, "Sent": invoice.sent})
    if not header.get("OCR"):
        header["OCR"] = ocr(invoice.document_number)
    invoice.customer_number = header["CustomerNumber"]
    invoice.invoice_date = header["InvoiceDate"]
    invoice.due_date = header["DueDate"]
    invoice.external_invoice_reference1 = header.get("ExternalInvoiceReference1") or ""
    invoice.external_invoice_reference2 = header.get("ExternalInvoiceReference2") or ""
    invoice.your_order_number = header.get("YourOrderNumber") or ""
    invoice.total = amounts.total
    invoice.data = to_json(header)
    invoice.save()
    invoice.rows.all().delete()
    InvoiceRow.objects.bulk_create(
        InvoiceRow(invoice=invoice, position=position, data=row) for position, row in enumerate(rows)
    )
    settle(invoice.credit_of or invoice)
    invoice.refresh_from_db(fields=["balance"])


def settle(invoice: Invoice) -> None:
    """Balance = Total less its credit invoices (SIMULATED: a credit settles the original, the
    credit invoice itself is then settled too). There are no payments in the sandbox."""
    credits = list(invoice.credit_invoices.filter(cancelled=False))
    balance = invoice.total + sum((credit.total for credit in credits), Decimal(0))
    Invoice.objects.filter(pk=invoice.pk).update(balance=balance)
    Invoice.objects.filter(pk__in=[credit.pk for credit in credits]).update(balance=0)
    invoice.balance = balance


def _clean(payload: dict) -> dict:
    """Cleaned header values; an empty date/currency/terms means "use the default"."""
    values = clean(payload, FIELDS)
    for name in ("InvoiceDate", "DueDate", "Currency", "TermsOfPayment"):
        if name in values and not values[name]:
            del values[name]
    return values


def _document_number_used(number) -> FortnoxError:
    # SIMULATED code/message (DOCUMENT_NUMBER_USED).
    return FortnoxError(errors.DOCUMENT_NUMBER_USED, f"Fakturanummer {number} används redan.")


def create(tenant: Tenant, payload: dict) -> Invoice:
    values = _clean(payload)
    rows = invoice_rows.clean_rows(values.pop("InvoiceRows", None) or [])
    require(values, "CustomerNumber")
    number = values.pop("DocumentNumber", None)
    try:
        with transaction.atomic():
            customer = _customer(tenant, values["CustomerNumber"])
            header = {**defaults(), **_from_customer(customer), **values}
            _resolve(tenant, header, values)
            rows = [invoice_rows.complete(tenant, customer.data, row) for row in rows]
            taken = Invoice.objects.filter(tenant=tenant)
            if number is None:
                number = next_number(tenant, "invoice", lambda n: taken.filter(document_number=n).exists())
            elif number < 1:
                raise errors.invalid_value("DocumentNumber", number)
            elif taken.filter(document_number=number).exists():
                raise _document_number_used(number)
            invoice = Invoice(tenant=tenant, document_number=number, customer=customer)
            store(invoice, header, rows)
    except IntegrityError as exc:
        raise _document_number_used(number) from exc
    return invoice


def locked_error(invoice: Invoice) -> FortnoxError:
    # SIMULATED code/message (DOCUMENT_LOCKED).
    state = "bokförd" if invoice.booked else "makulerad"
    return FortnoxError(errors.DOCUMENT_LOCKED, f"Fakturan är {state} och kan inte ändras.")


def update(tenant: Tenant, number, payload: dict) -> Invoice:
    values = _clean(payload)
    sent_rows = values.pop("InvoiceRows", None)
    sent_rows = invoice_rows.clean_rows(sent_rows) if sent_rows is not None else None
    for name in ("Country", "DeliveryCountry"):  # "" does not clear these on PUT [REC]
        if values.get(name) == "":
            del values[name]
    with transaction.atomic():
        invoice = get(tenant, number, lock=True)
        if invoice.booked or invoice.cancelled:
            raise locked_error(invoice)
        if values.pop("DocumentNumber", invoice.document_number) != invoice.document_number:
            raise errors.invalid_value("DocumentNumber", payload["DocumentNumber"])
        header = dict(invoice.data)
        if values.get("CustomerNumber") not in (None, invoice.customer_number):
            require(values, "CustomerNumber")
            invoice.customer = _customer(tenant, values["CustomerNumber"])
            header.update(_from_customer(invoice.customer))
        header.update({
            name: {**(header.get(name) or {}), **value} if isinstance(value, dict) else value
            for name, value in values.items()
        })
        _resolve(tenant, header, values)
        existing = [(row.pk, row.data) for row in invoice.rows.all()]
        if sent_rows is None:
            rows = [data for _, data in existing]
        else:
            merged = invoice_rows.merge(existing, sent_rows)
            rows = [invoice_rows.complete(tenant, invoice.customer.data, row) for row in merged]
        store(invoice, header, rows)
    return invoice
