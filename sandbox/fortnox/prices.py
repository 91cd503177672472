"""Price lists and prices (`/3/pricelists`, `/3/prices`, scope `price`).

An article's `SalesPrice` is read-only: what it shows is the price on the default list "A" from
quantity 0. Prices are set per list, article and from-quantity; the price list must exist and
the article too. Codes for the refusals marked SIMULATED were never recorded.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction

from . import articles, errors
from .articles import DEFAULT_PRICE_LIST
from .errors import FortnoxError, NotFound
from .models import Article, Price, PriceList, Tenant
from .validation import BOOL, DEC, RO, S, clean, require, to_json

PRICE_LIST_FIELDS = {"@url": RO, "Code": S(30), "Comments": S(200), "Description": S(200), "PreSelected": BOOL}
PRICE_FIELDS = {"@url": RO, "Date": RO, "ArticleNumber": S(50), "FromQuantity": DEC, "Percent": DEC, "Price": DEC,
                "PriceList": S(30)}


def ensure_default_price_list(tenant: Tenant) -> PriceList:
    price_list, _ = PriceList.objects.get_or_create(
        tenant=tenant, code=DEFAULT_PRICE_LIST, defaults={"description": "Standard", "pre_selected": True}
    )
    return price_list


# --- price lists ------------------------------------------------------------------------------


def price_lists(tenant: Tenant):
    return PriceList.objects.filter(tenant=tenant)


def price_list(tenant: Tenant, code: str) -> PriceList:
    found = price_lists(tenant).filter(code=code).first()
    if found is None:
        # SIMULATED code (PRICE_LIST_NOT_FOUND_404).
        raise NotFound(errors.PRICE_LIST_NOT_FOUND_404, "Kan inte hitta prislistan.")
    return found


def render_price_list(price_list: PriceList, base: str) -> dict:
    return {"@url": f"{base}pricelists/{price_list.code}", "Code": price_list.code,
            "Comments": price_list.comments, "Description": price_list.description,
            "PreSelected": price_list.pre_selected}


def create_price_list(tenant: Tenant, payload: dict) -> PriceList:
    values = clean(payload, PRICE_LIST_FIELDS)
    require(values, "Code", "Description")
    try:
        with transaction.atomic():
            return PriceList.objects.create(
                tenant=tenant, code=values["Code"], description=values["Description"],
                comments=values.get("Comments") or "", pre_selected=bool(values.get("PreSelected")),
            )
    except IntegrityError as exc:
        # SIMULATED code (PRICE_LIST_CODE_USED).
        raise FortnoxError(errors.PRICE_LIST_CODE_USED, f"Prislistan {values['Code']} finns redan.") from exc


def update_price_list(tenant: Tenant, code: str, payload: dict) -> PriceList:
    values = clean(payload, PRICE_LIST_FIELDS)
    if values.pop("Code", code) != code:
        raise errors.invalid_value("Code", payload["Code"])
    found = price_list(tenant, code)
    for name, column in (("Description", "description"), ("Comments", "comments"), ("PreSelected", "pre_selected")):
        if name in values:
            setattr(found, column, values[name] if values[name] is not None else "")
    found.save()
    return found


# --- prices -----------------------------------------------------------------------------------


def _article(tenant: Tenant, number: str) -> Article:
    """A price for a missing article is refused with the real "article not found" code, as a 400."""
    article = Article.objects.filter(tenant=tenant, article_number=number).first()
    if article is None:
        raise FortnoxError(errors.ARTICLE_NOT_FOUND, "Kan inte hitta artikeln.")
    return article


def prices_of(tenant: Tenant, code: str, number: str):
    """The sublist: every from-quantity step of one article on one list."""
    return Price.objects.filter(price_list=price_list(tenant, code), article=articles.get(tenant, number))


def price(tenant: Tenant, code: str, number: str, from_quantity: Decimal) -> Price:
    found = prices_of(tenant, code, number).filter(from_quantity=from_quantity).select_related(
        "price_list", "article").first()
    if found is None:
        # SIMULATED code (PRICE_NOT_FOUND_404).
        raise NotFound(errors.PRICE_NOT_FOUND_404, "Kan inte hitta priset.")
    return found


def render_price(price: Price, base: str) -> dict:
    number, code = price.article.article_number, price.price_list.code
    return to_json({
        "@url": f"{base}prices/{code}/{number}/{price.from_quantity.normalize():f}", "ArticleNumber": number,
        "Date": price.date.isoformat(), "FromQuantity": price.from_quantity, "Percent": price.percent,
        "Price": price.price, "PriceList": code,
    })


def create_price(tenant: Tenant, payload: dict) -> Price:
    values = clean(payload, PRICE_FIELDS)
    require(values, "ArticleNumber", "PriceList")
    if values.get("Price") is None:
        raise errors.required("Price")
    target = price_list(tenant, values["PriceList"])
    article = _article(tenant, values["ArticleNumber"])
    try:
        with transaction.atomic():
            created = Price.objects.create(
                price_list=target, article=article, from_quantity=values.get("FromQuantity") or 0,
                price=values["Price"], percent=values.get("Percent") or 0,
            )
            created.refresh_from_db()
    except IntegrityError as exc:
        # SIMULATED code (PRICE_EXISTS).
        raise FortnoxError(errors.PRICE_EXISTS, "Det finns redan ett pris för artikeln i prislistan.") from exc
    return created


def update_price(tenant: Tenant, code: str, number: str, from_quantity: Decimal, payload: dict) -> Price:
    values = clean(payload, PRICE_FIELDS)
    for name, current in (("ArticleNumber", number), ("PriceList", code)):
        if values.get(name, current) != current:
            raise errors.invalid_value(name, payload[name])
    found = price(tenant, code, number, from_quantity)
    for name, column in (("Price", "price"), ("Percent", "percent")):
        if values.get(name) is not None:
            setattr(found, column, values[name])
    found.save()
    return found


def delete_price(tenant: Tenant, code: str, number: str, from_quantity: Decimal) -> None:
    price(tenant, code, number, from_quantity).delete()
