"""Prices per variant and pricelist: the `prices` list and the `setPrices` mutation.

[?] SIMULATED: centra.md §3.7 documents only that prices are per variant per pricelist and that
`setPrices` exists. The filter and fields follow the query the engine's products flow sends
(integrations/connectors/centra/catalog.py); the permissions are guesses too.
"""

from .. import services
from ..models import Price
from .common import money, one_or_many, require, sort_fields
from .common import page as paginate
from .payloads import mutation

SORT = {"id": "pk"}


def resolve_prices(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Pricelist:read")
    where = where or {}
    prices = Price.objects.filter(pricelist__store=info.context.store).select_related("pricelist", "variant")
    prices = one_or_many(prices, "pk", where.get("id"))
    prices = one_or_many(prices, "pricelist_id", where.get("pricelistId"))
    prices = one_or_many(prices, "variant_id", where.get("productVariantId"))
    prices = one_or_many(prices, "variant__product_id", where.get("productId"))
    return paginate(prices.order_by(*sort_fields(sort, SORT)), info, limit, page)


@mutation("Pricelist:write", "prices")
def set_prices(info, _warnings, input):
    pricelist, prices = services.set_prices(info.context.store, input)
    return {"pricelist": pricelist, "prices": prices}


def _price(price: Price, info):
    return money(price.amount, price.pricelist.currency, info.context.store)


RESOLVERS = {
    "Query": {"prices": resolve_prices},
    "Mutation": {"setPrices": set_prices},
    "Price": {
        "pricelist": lambda price, _info: price.pricelist,
        "productVariant": lambda price, _info: price.variant,
        "price": _price,
    },
}
