"""Sales invoices and credit memos (business-central.md §5.2, §5.3): drafts with lines (deep
insert), totals computed per line with the VAT of the VAT posting setup, posting (same id, a
posted number from a second series, item ledger entries), credit memos applied to invoices,
`cancel` and `makeCorrectiveCreditMemo`.
"""

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from . import entities
from . import records as store
from .errors import BCError, dialog, record_not_found
from .models import Company, Record

CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class Kind:
    entity: str
    spec: store.Spec
    lines: str
    date_field: str
    draft_series: tuple
    posted_series: tuple
    document_type: str


INVOICE = Kind("salesInvoices", store.SALES_INVOICE, "salesInvoiceLines", "invoiceDate",
               ("draftInvoice", 100001, "S-INV"), ("postedInvoice", 103001, "PS-INV"), "Sales Shipment")
CREDIT_MEMO = Kind("salesCreditMemos", store.SALES_CREDIT_MEMO, "salesCreditMemoLines", "creditMemoDate",
                   ("draftCreditMemo", 1001, "S-CR"), ("postedCreditMemo", 104001, "PS-CR"), "Sales Return Receipt")
KINDS = {INVOICE.entity: INVOICE, CREDIT_MEMO.entity: CREDIT_MEMO}
LINE_SETS = {INVOICE.lines: INVOICE, CREDIT_MEMO.lines: CREDIT_MEMO}


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _customer(company: Company, values: dict) -> Record:
    customer_id, customer_number = values.pop("customerId", None), values.pop("customerNumber", None)
    if not customer_id and not customer_number:
        raise dialog('A "customerNumber" or a "customerId" must be provided.')
    by_id = store.find(company, "customers", customer_id) if customer_id else None
    by_number = store.by_number(company, "customers", customer_number) if customer_number else None
    if customer_id and customer_number and (by_id is None or by_id != by_number):
        raise dialog('The "customerId" and "customerNumber" values do not match to a specific Customer.')
    customer = by_id or by_number
    if customer is None:
        raise dialog("The sell-to customer cannot be found.")
    if customer.data.get("blocked") == "All":
        raise dialog(f"You cannot create this type of document when Customer {customer.number} is blocked with "
                     "type All")
    return customer


def _credited_invoice(company: Company, values: dict) -> Record | None:
    invoice_id, invoice_number = values.pop("invoiceId", None), values.pop("invoiceNumber", None)
    if invoice_id and invoice_id != store.EMPTY_GUID:
        invoice = store.find(company, "salesInvoices", invoice_id)
    elif invoice_number:
        invoice = store.records(company, "salesInvoices").filter(number=invoice_number).first()
    else:
        return None
    if invoice is None or invoice.data["status"] == "Draft":
        raise dialog('The "invoiceId" does not match to an Invoice.')
    return invoice


@transaction.atomic
def create(company: Company, kind: Kind, body) -> Record:
    values = store.clean(kind.spec, body, creating=True)
    line_bodies = body.get(kind.lines) or [] if isinstance(body, dict) else []
    if not isinstance(line_bodies, list):
        raise BCError(400, "BadRequest", "Invalid Request Body")
    customer = _customer(company, values)
    credited = _credited_invoice(company, values) if kind is CREDIT_MEMO else None
    currency = entities.check_currency(company, values.pop("currencyCode", "") or customer.data["currencyCode"])
    if store.number(values.get("discountAmount"), "discountAmount"):
        # SIMULATED limit: invoice discounts (spread over lines by BC) are not simulated.
        raise dialog("Invoice discounts are not supported by this simulator; put the discount on a line.")
    today = store.now_text()[:10]
    document_date = values.pop(kind.date_field, None) or today
    number = store.next_number(company, kind.draft_series[0], kind.draft_series[1], kind.draft_series[2])
    data = {
        "number": number, "externalDocumentNumber": "", kind.date_field: document_date,
        "postingDate": values.pop("postingDate", None) or document_date, "dueDate": document_date,
        "customerId": str(customer.id), "customerNumber": customer.number, "customerName": customer.data["displayName"],
        "billToName": customer.data["displayName"], "billToCustomerId": str(customer.id),
        "billToCustomerNumber": customer.number, "currencyCode": currency,
        "pricesIncludeTax": bool(customer.data.get("_pricesIncludeTax")), "discountAmount": 0,
        "discountAppliedBeforeTax": False, "status": "Draft", "remainingAmount": 0,
        "sellToAddressLine1": customer.data["addressLine1"], "sellToCity": customer.data["city"],
        "sellToCountry": customer.data["country"], "sellToPostCode": customer.data["postalCode"],
        "email": customer.data["email"], "phoneNumber": customer.data["phoneNumber"],
        "_vatBusPostingGroup": customer.data.get("_vatBusPostingGroup") or "",
    }
    if kind is CREDIT_MEMO:
        data["invoiceId"] = str(credited.id) if credited else store.EMPTY_GUID
        data["invoiceNumber"] = credited.number if credited else ""
    else:
        data["customerPurchaseOrderReference"] = ""
    data.update(values)
    data["lines"] = []
    record = store.create(company, kind.entity, data, number_value=number)
    for line_body in line_bodies:
        add_line(company, record, kind, line_body, save=False)
    _totals(record)
    record.save(update_fields=["data"])
    return record


def add_line(company: Company, document: Record, kind: Kind, body, *, save: bool = True) -> dict:
    if document.data["status"] != "Draft":
        raise dialog("The action can be applied to a draft invoice only.")
    values = store.clean(store.LINE, body, creating=True)
    lines = document.data["lines"]
    item_id, account_id = values.pop("itemId", None), values.pop("accountId", None)
    if item_id and account_id:
        raise dialog('Both "itemId" and "accountId" are specified. Specify only one of them.')
    line_type = values.get("lineType") or ("Account" if account_id else "Item")
    if line_type not in ("Comment", "Account", "Item"):
        raise BCError(400, "Application_EvaluateException",
                      f"The value \"{line_type}\" can't be evaluated into type Option.")
    obj_number = values.get("lineObjectNumber") or ""
    line = {"id": str(uuid.uuid4()), "documentId": str(document.id),
            "sequence": int(values.get("sequence") or (len(lines) + 1) * 10000), "lineType": line_type,
            "itemId": store.EMPTY_GUID, "accountId": store.EMPTY_GUID, "lineObjectNumber": "",
            "description": values.get("description") or "", "description2": values.get("description2") or "",
            "unitOfMeasureCode": values.get("unitOfMeasureCode") or "", "quantity": 0, "unitPrice": 0,
            "discountAmount": 0, "discountPercent": 0, "taxCode": values.get("taxCode") or "", "taxPercent": 0}
    if line_type == "Item":
        item = store.find(company, "items", item_id) if item_id else store.by_number(company, "items", obj_number)
        if item is None:
            raise dialog("Item does not exist.")
        if item.data.get("blocked"):
            raise BCError(400, "Application_FieldValidationException",
                          f"Blocked must be equal to 'No'  in Item: No.={item.number}. Current value is 'Yes'.")
        line.update(itemId=str(item.id), lineObjectNumber=item.number,
                    description=line["description"] or item.data["displayName"],
                    unitOfMeasureCode=line["unitOfMeasureCode"] or item.data["baseUnitOfMeasureCode"],
                    taxCode=line["taxCode"] or item.data["taxGroupCode"], unitPrice=item.data["unitPrice"])
    elif line_type == "Account":
        account = (store.find(company, "accounts", account_id) if account_id
                   else store.by_number(company, "accounts", obj_number))
        if account is None:
            raise dialog("Account does not exist.")
        if account.data["accountType"] != "Posting" or account.data["blocked"] or not account.data["directPosting"]:
            raise BCError(400, "Application_FieldValidationException",
                          f"Direct Posting must be equal to 'Yes'  in G/L Account: No.={account.number}. Current "
                          "value is 'No'.")
        line.update(accountId=str(account.id), lineObjectNumber=account.number,
                    description=line["description"] or account.data["displayName"],
                    taxCode=line["taxCode"] or account.data.get("_taxGroupCode") or "VAT25")
    if line_type != "Comment":
        if entities.lookup_code(company, "taxGroups", line["taxCode"]) is None:
            raise record_not_found("VAT Product Posting Group", "Code", line["taxCode"])
        setup = company.vat_posting_setup.get(document.data["_vatBusPostingGroup"], {})
        if line["taxCode"] not in setup:
            raise BCError(400, "Internal_RecordNotFound",
                          "The VAT Posting Setup does not exist. Identification fields and values: VAT Bus. Posting "
                          f"Group='{document.data['_vatBusPostingGroup']}',VAT Prod. Posting Group='{line['taxCode']}'")
        line["taxPercent"] = float(setup[line["taxCode"]])
        for name in ("quantity", "unitPrice", "discountAmount", "discountPercent"):
            if name in values:
                line[name] = float(store.number(values[name], name))
    _line_amounts(line, bool(document.data["pricesIncludeTax"]))
    lines.append(line)
    lines.sort(key=lambda each: each["sequence"])
    if save:
        _totals(document)
        store.save(document)
    return line


def _line_amounts(line: dict, prices_include_tax: bool) -> None:
    """BC's line arithmetic: line amount to the cent, less the discount (an amount, or a percent of
    it), VAT out of (or onto) that per line."""
    if line["lineType"] == "Comment":
        for name in ("amountExcludingTax", "totalTaxAmount", "amountIncludingTax"):
            line[name] = 0
        return
    quantity, price = Decimal(str(line["quantity"])), Decimal(str(line["unitPrice"]))
    gross = money(quantity * price)
    discount = Decimal(str(line["discountAmount"])) or money(gross * Decimal(str(line["discountPercent"])) / 100)
    line["discountAmount"] = float(discount)
    net, rate = gross - discount, Decimal(str(line["taxPercent"]))
    if prices_include_tax:
        including = net
        excluding = money(net * 100 / (100 + rate))
    else:
        excluding = net
        including = excluding + money(excluding * rate / 100)
    line.update(amountExcludingTax=float(excluding), totalTaxAmount=float(including - excluding),
                amountIncludingTax=float(including), netAmount=float(excluding),
                netTaxAmount=float(including - excluding), netAmountIncludingTax=float(including))


def _totals(document: Record) -> None:
    lines = document.data["lines"]
    excluding = sum((Decimal(str(line["amountExcludingTax"])) for line in lines), ZERO)
    including = sum((Decimal(str(line["amountIncludingTax"])) for line in lines), ZERO)
    document.data.update(totalAmountExcludingTax=float(excluding), totalTaxAmount=float(including - excluding),
                         totalAmountIncludingTax=float(including))


@transaction.atomic
def update(company: Company, document: Record, kind: Kind, body) -> Record:
    if document.data["status"] != "Draft":
        raise dialog("The action can be applied to a draft invoice only.")
    values = store.clean(kind.spec, body, creating=False)
    if values.keys() & {"customerId", "customerNumber"}:
        customer = _customer(company, values)
        document.data.update(customerId=str(customer.id), customerNumber=customer.number,
                             customerName=customer.data["displayName"])
    if "currencyCode" in values:
        entities.check_currency(company, values["currencyCode"])
    document.data.update(values)
    return store.save(document)


@transaction.atomic
def post(company: Company, document: Record, kind: Kind) -> Record:
    """`Microsoft.NAV.post`: the draft becomes the posted document under the same id (§5.2)."""
    document = store.records(company, kind.entity).select_for_update().get(pk=document.pk)
    if document.data["status"] != "Draft":
        raise dialog("The action can be applied to a draft invoice only.")
    lines = [line for line in document.data["lines"] if line["lineType"] != "Comment"]
    if not lines:
        raise dialog("There is nothing to post.")
    for line in lines:
        if not line["quantity"]:
            raise BCError(400, "Application_FieldValidationException",
                          f"Quantity must have a value in Sales Line: Document No.={document.number}, Line No.="
                          f"{line['sequence']}. It cannot be zero or empty.")
    sign = Decimal(-1) if kind is INVOICE else Decimal(1)
    items = {}
    for line in lines:
        if line["lineType"] == "Item":
            items.setdefault(line["lineObjectNumber"], Decimal(0))
            items[line["lineObjectNumber"]] += sign * Decimal(str(line["quantity"]))
    if company.prevent_negative_inventory:
        for item_number, change in items.items():
            item = store.by_number(company, "items", item_number)
            if item.data["type"] == "Inventory" and Decimal(str(item.data["inventory"])) + change < 0:
                raise dialog(f"You have insufficient quantity of Item {item_number} on inventory.")
    credited = None
    if kind is CREDIT_MEMO and document.data.get("invoiceId") not in (None, "", store.EMPTY_GUID):
        credited = store.records(company, "salesInvoices").select_for_update().get(pk=document.data["invoiceId"])
        if company.refuse_credit_on_closed_invoice and not Decimal(str(credited.data["remainingAmount"])):
            raise dialog("The invoice is closed. The corrective credit memo will not be applied to the invoice.")
    if company.posted_numbers_differ:
        series, first, prefix = kind.posted_series
        document.number = store.next_number(company, series, first, prefix)
        document.data["number"] = document.number
    total = Decimal(str(document.data["totalAmountIncludingTax"]))
    for line in lines:
        if line["lineType"] == "Item":
            item = store.by_number(company, "items", line["lineObjectNumber"])
            entities.ledger_entry(company, item, sign * Decimal(str(line["quantity"])), "Sale",
                                  document_number=document.number, document_type=kind.document_type,
                                  posting_date=document.data["postingDate"],
                                  amount=-sign * Decimal(str(line["amountExcludingTax"])))
    document.data.update(status="Open", remainingAmount=float(total))
    if credited is not None:
        open_amount = Decimal(str(credited.data["remainingAmount"]))
        applied = min(open_amount, total)
        credited.data["remainingAmount"] = float(open_amount - applied)
        if open_amount - applied == 0:
            credited.data["status"] = "Paid"
        document.data["remainingAmount"] = float(total - applied)
        if total - applied == 0:
            document.data["status"] = "Paid"
        store.save(credited)
    return store.save(document)


@transaction.atomic
def cancel(company: Company, invoice: Record) -> Record:
    """`Microsoft.NAV.cancel`: a posted, wholly open invoice is credited in full and marked Canceled."""
    credit = make_corrective_credit_memo(company, invoice)
    post(company, credit, CREDIT_MEMO)
    credit.refresh_from_db()
    credit.data["status"] = "Corrective"
    store.save(credit)
    invoice.refresh_from_db()
    invoice.data.update(status="Canceled", remainingAmount=0)
    return store.save(invoice)


@transaction.atomic
def make_corrective_credit_memo(company: Company, invoice: Record) -> Record:
    """`Microsoft.NAV.makeCorrectiveCreditMemo`: a draft copy of a posted invoice nobody paid or credited."""
    if invoice.data["status"] == "Draft":
        raise dialog("The action can be applied to a posted invoice only.")
    if invoice.data["status"] == "Canceled":
        raise dialog(f"You cannot cancel the posted sales invoice {invoice.number} because it has already been "
                     "cancelled.")
    if Decimal(str(invoice.data["remainingAmount"])) != Decimal(str(invoice.data["totalAmountIncludingTax"])):
        raise dialog("The invoice is partially paid or credited. The corrective credit memo may not be fully closed "
                     "by the invoice.")
    lines = [{key: line[key] for key in ("lineType", "lineObjectNumber", "description", "quantity", "unitPrice",
                                         "discountAmount", "taxCode")}
             for line in invoice.data["lines"] if line["lineType"] != "Comment"]
    return create(company, CREDIT_MEMO, {"customerId": invoice.data["customerId"], "invoiceId": str(invoice.id),
                                         "externalDocumentNumber": invoice.data["externalDocumentNumber"],
                                         "salesCreditMemoLines": lines})


def rendered_line(document: Record, line: dict) -> dict:
    return {"@odata.etag": store.rendered(document)["@odata.etag"], **line}


def rendered(document: Record, kind: Kind, *, expand: bool = False, context: str = "") -> dict:
    body = store.rendered(document, context)
    if expand:
        body[kind.lines] = [rendered_line(document, line) for line in document.data["lines"]]
    return body
