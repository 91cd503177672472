"""Articles (fortnox.md §5.4). Without the warehouse module `QuantityInStock` is writable and is
what a stock sync reads back; it is kept in a column so stock moves are atomic updates."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import errors, listing, references
from .errors import FortnoxError
from .models import Article, Tenant
from .numbering import next_number
from .validation import BOOL, DEC, ENUM, INT, RO, Field, S, check_article_number, clean, require, round2, to_json

FIELDS = {
    "@url": RO, "DisposableQuantity": RO, "ReservedQuantity": RO, "SalesPrice": RO, "StockValue": RO,
    "SupplierName": RO,
    "Active": BOOL, "ArticleNumber": S(50), "Bulky": BOOL, "CommodityCode": S(), "ConstructionAccount": INT,
    "Depth": INT, "Description": S(200), "EAN": S(30), "EUAccount": INT, "EUVATAccount": INT, "Expired": BOOL,
    "ExportAccount": INT, "Height": INT, "Housework": BOOL, "HouseworkType": S(), "Manufacturer": S(50),
    "ManufacturerArticleNumber": S(50), "Note": S(10_000), "PurchaseAccount": INT, "PurchasePrice": DEC,
    "QuantityInStock": DEC, "SalesAccount": INT, "StockGoods": BOOL, "StockPlace": S(100),
    "StockWarning": DEC, "SupplierNumber": S(), "Type": ENUM("STOCK", "SERVICE"), "Unit": S(),
    "VAT": Field("decimal", places=None), "WebshopArticle": BOOL, "Weight": INT, "Width": INT,
}

ACCOUNT_FIELDS = ("SalesAccount", "EUAccount", "EUVATAccount", "ExportAccount", "PurchaseAccount")

# Defaults seen on a real article (REC articles/find_id_1).
DEFAULTS = {
    "Active": True, "Bulky": False, "CommodityCode": None, "ConstructionAccount": 0, "Depth": 0, "EAN": "",
    "EUAccount": 3108, "EUVATAccount": 3106, "Expired": False, "ExportAccount": 3105, "Height": 0,
    "Housework": False, "HouseworkType": None, "Manufacturer": None, "ManufacturerArticleNumber": "",
    "Note": "", "PurchaseAccount": 4000, "PurchasePrice": 0, "SalesAccount": 3001, "SalesPrice": 0,
    "StockGoods": False, "StockPlace": None, "StockWarning": 0, "SupplierName": None, "SupplierNumber": None,
    "Type": "STOCK", "Unit": None, "VAT": 25, "WebshopArticle": False, "Weight": 0, "Width": 0,
}

LIST_FIELDS = ("ArticleNumber", "Description", "DisposableQuantity", "EAN", "Housework", "PurchasePrice",
               "QuantityInStock", "ReservedQuantity", "SalesPrice", "StockPlace", "StockValue", "Unit", "VAT",
               "WebshopArticle")

SEARCH = {"articlenumber": "article_number__icontains", "description": "description__icontains",
          "ean": "ean__icontains"}
# The price list whose from-0 price an article shows as its SalesPrice.
DEFAULT_PRICE_LIST = "A"

FILTERS = {"active": lambda: Q(data__Active=True), "inactive": lambda: Q(data__Active=False)}
SORT = {"articlenumber": "article_number", "quantityinstock": "quantity_in_stock",
        "reservedquantity": "reserved_quantity"}


def render(article: Article, base: str) -> dict:
    in_stock, reserved = article.quantity_in_stock, article.reserved_quantity
    record = {
        **article.data,
        "@url": f"{base}articles/{article.article_number}",
        "ArticleNumber": article.article_number,
        "QuantityInStock": in_stock,
        "ReservedQuantity": reserved,
        "DisposableQuantity": in_stock - reserved,
        "StockValue": round2(in_stock * Decimal(str(article.data.get("PurchasePrice") or 0))),
    }
    listed = article.prices.filter(price_list__code=DEFAULT_PRICE_LIST, from_quantity=0).first()
    if listed is not None:  # SalesPrice shows the default list's price (fortnox.md §5.4: read-only)
        record["SalesPrice"] = listed.price
    return to_json(dict(sorted(record.items())))


def render_list_item(article: Article, base: str) -> dict:
    record = render(article, base)
    return {name: record[name] for name in ("@url", *LIST_FIELDS)}


def get(tenant: Tenant, number: str, *, lock: bool = False) -> Article:
    queryset = Article.objects.select_for_update() if lock else Article.objects
    article = queryset.filter(tenant=tenant, article_number=number).first()
    if article is None:
        raise errors.article_not_found()
    return article


def search(tenant: Tenant, params):
    queryset = listing.apply_search(Article.objects.filter(tenant=tenant), params, SEARCH)
    queryset = listing.apply_filter(queryset, params, FILTERS)
    return listing.apply_sort(queryset, params, SORT)


def _check_accounts(tenant: Tenant, values: dict) -> None:
    for name in ACCOUNT_FIELDS:
        references.check_account(tenant, values.get(name))


def _number_used(number: str) -> FortnoxError:
    # SIMULATED code/message (ARTICLE_NUMBER_USED).
    return FortnoxError(errors.ARTICLE_NUMBER_USED, f"Artikelnumret {number} används redan.")


def _sync(article: Article, data: dict) -> None:
    if "QuantityInStock" in data:
        article.quantity_in_stock = data.pop("QuantityInStock") or Decimal(0)
    article.description = data.get("Description") or ""
    article.ean = data.get("EAN") or ""
    article.data = to_json(data)


def create(tenant: Tenant, payload: dict, *, sales_price=None) -> Article:
    values = clean(payload, FIELDS)
    require(values, "Description")
    number = values.pop("ArticleNumber", None)
    if number:
        check_article_number(number)
    _check_accounts(tenant, values)
    taken = Article.objects.filter(tenant=tenant)
    try:
        with transaction.atomic():
            if not number:
                number = str(next_number(tenant, "article", lambda n: taken.filter(article_number=str(n)).exists()))
            elif taken.filter(article_number=number).exists():
                raise _number_used(number)
            article = Article(tenant=tenant, article_number=number)
            data = {**DEFAULTS, **values}
            if sales_price is not None:
                data["SalesPrice"] = round2(sales_price)
            _sync(article, data)
            article.save()
    except IntegrityError as exc:
        raise _number_used(number) from exc
    return article


def update(tenant: Tenant, number: str, payload: dict) -> Article:
    values = clean(payload, FIELDS)
    if values.pop("ArticleNumber", number) != number:
        raise errors.invalid_value("ArticleNumber", payload["ArticleNumber"])
    if "Description" in values:
        require(values, "Description")
    _check_accounts(tenant, values)
    with transaction.atomic():
        article = get(tenant, number, lock=True)
        _sync(article, {**article.data, **values})
        article.save()
    return article


def delete(tenant: Tenant, number: str) -> None:
    get(tenant, number).delete()


def move_stock(tenant: Tenant, quantities: dict[str, Decimal]) -> None:
    """Draw (positive) or return (negative) stock for STOCK articles, as one atomic update each."""
    for number, quantity in quantities.items():
        Article.objects.filter(tenant=tenant, article_number=number, data__Type="STOCK").update(
            quantity_in_stock=F("quantity_in_stock") - quantity, last_modified=timezone.now()
        )
