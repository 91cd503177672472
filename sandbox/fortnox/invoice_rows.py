"""Invoice rows: cleaning, defaults from article/customer/predefined accounts, and Fortnox's PUT
rules for rows (fortnox.md §5.2)."""

from decimal import Decimal

from . import errors, references, totals
from .errors import FortnoxError
from .models import Article, Tenant
from .seed import SALES_ACCOUNT_BY_VAT_TYPE, VAT_RATES
from .validation import BOOL, DEC, ENUM, INT, RO, TWO_PLACES, Field, S, check_article_number, clean, to_json

FIELDS = {
    "ContributionPercent": RO, "ContributionValue": RO, "Cost": RO, "PriceExcludingVAT": RO, "Total": RO,
    "TotalExcludingVAT": RO,
    "AccountNumber": INT, "ArticleNumber": S(50), "CostCenter": S(), "DeliveredQuantity": DEC,
    "Description": S(255), "Discount": DEC, "DiscountType": ENUM("AMOUNT", "PERCENT"), "HouseWork": BOOL,
    "HouseWorkHoursToReport": INT, "HouseWorkType": S(), "Price": DEC, "Project": S(), "RowId": INT,
    "StockPointCode": S(), "Unit": S(), "VAT": Field("decimal", places=None), "VATCode": S(),
}

DEFAULTS = {
    "ArticleNumber": "", "ContributionPercent": "0", "ContributionValue": 0, "Cost": 0, "CostCenter": None,
    "DeliveredQuantity": 0, "Description": "", "Discount": 0, "DiscountType": "PERCENT", "HouseWork": False,
    "HouseWorkHoursToReport": None, "HouseWorkType": None, "Price": 0, "Project": "", "StockPointCode": None,
    "Unit": "", "VATCode": "",
}

# Which article account a customer's VATType books to (fortnox.md §6).
ARTICLE_ACCOUNT_BY_VAT_TYPE = {
    "SEVAT": "SalesAccount", "SEREVERSEDVAT": "SalesAccount", "EUREVERSEDVAT": "EUAccount",
    "EUVAT": "EUVATAccount", "EXPORT": "ExportAccount",
}


def clean_rows(raw_rows: list[dict]) -> list[dict]:
    if len(raw_rows) > errors.MAX_INVOICE_ROWS:
        # SIMULATED code/message (TOO_MANY_ROWS).
        raise FortnoxError(
            errors.TOO_MANY_ROWS, f"En faktura får innehålla högst {errors.MAX_INVOICE_ROWS} rader."
        )
    return [clean(row, FIELDS) for row in raw_rows]


def merge(existing: list[tuple[int, dict]], sent: list[dict]) -> list[dict]:
    """Apply a PUT's rows to the stored ones. Without RowIds rows match by position; with any
    RowId, sent RowIds update those rows, rows without one are new; unsent rows are dropped."""
    if not any(row.get("RowId") is not None for row in sent):
        stored = [data for _, data in existing]
        return [{**stored[i], **row} if i < len(stored) else row for i, row in enumerate(sent)]
    by_id = dict(existing)
    merged = []
    for row in sent:
        row_id = row.pop("RowId", None)
        if row_id is None:
            merged.append(row)
        elif row_id in by_id:
            merged.append({**by_id[row_id], **row})
        else:
            raise errors.invalid_value("RowId", row_id)
    return merged


def _article(tenant: Tenant, number: str) -> Article:
    check_article_number(number)
    article = Article.objects.filter(tenant=tenant, article_number=number).first()
    if article is None:
        # A row's missing article is a validation error: lower-case envelope, status 400.
        raise FortnoxError(errors.ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
    return article


def complete(tenant: Tenant, customer: dict, row: dict) -> dict:
    """Fill what the client left out: article text/price/unit, sales account, VAT rate."""
    row = {name: value for name, value in row.items() if name != "RowId"}
    vat_type = customer.get("VATType") or "SEVAT"
    article = _article(tenant, row["ArticleNumber"]) if row.get("ArticleNumber") else None
    if article is not None:
        row.setdefault("Description", article.description)
        row.setdefault("Price", article.data.get("SalesPrice") or 0)
        row.setdefault("Unit", article.data.get("Unit") or "")
    if row.get("AccountNumber") is None:
        row["AccountNumber"] = _default_account(tenant, customer, vat_type, article)
    account = references.account(tenant, row["AccountNumber"])
    if row.get("VAT") is None:
        row["VAT"] = VAT_RATES.get(row.get("VATCode") or "", account.vat_rate)
    if not row.get("VATCode"):
        row["VATCode"] = account.vat_code
    row = {**DEFAULTS, **{name: value for name, value in row.items() if value is not None}}
    row["DeliveredQuantity"] = Decimal(str(row["DeliveredQuantity"] or 0)).quantize(TWO_PLACES)
    return row


def _default_account(tenant: Tenant, customer: dict, vat_type: str, article: Article | None) -> int:
    if article is not None and article.data.get(ARTICLE_ACCOUNT_BY_VAT_TYPE.get(vat_type, "SalesAccount")):
        return article.data[ARTICLE_ACCOUNT_BY_VAT_TYPE.get(vat_type, "SalesAccount")]
    if vat_type == "SEVAT" and customer.get("SalesAccount"):
        return customer["SalesAccount"]
    return references.predefined_account(tenant, SALES_ACCOUNT_BY_VAT_TYPE.get(vat_type, "SALES_25_SE")).number


def finish(rows: list[dict], vat_included: bool) -> list[dict]:
    """Rows as stored and shown: computed amounts set, `DeliveredQuantity` a "1.00" string."""
    finished = []
    for row, amounts in zip(rows, totals.compute_rows(rows, vat_included), strict=True):
        stored = to_json({**row, **amounts})
        stored["DeliveredQuantity"] = f"{Decimal(str(row['DeliveredQuantity'])).quantize(TWO_PLACES)}"
        finished.append(stored)
    return finished


def stock_quantities(rows: list[dict]) -> dict[str, Decimal]:
    """Quantity per article number over the rows (negative on credit invoices)."""
    quantities: dict[str, Decimal] = {}
    for row in rows:
        if row.get("ArticleNumber"):
            number = row["ArticleNumber"]
            quantities[number] = quantities.get(number, Decimal(0)) + Decimal(str(row["DeliveredQuantity"]))
    return quantities
