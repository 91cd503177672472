"""Tenant-level objects: Centra stores, markets, pricelists, warehouses, countries, currencies, limits."""

from .. import ratelimit
from ..reference import COUNTRIES, CURRENCIES
from .common import country, currency, one_or_many, require, sort_fields, string_match
from .common import page as paginate

ID_SORT = {"id": "pk"}


def resolve_stores(_root, info, where=None, sort=None):
    require(info, "Store:read")
    where = where or {}
    channels = info.context.store.channels.all()
    if info.context.principal.channel_id:
        channels = channels.filter(pk=info.context.principal.channel_id)
    channels = one_or_many(channels, "pk", where.get("id"))
    if where.get("type"):
        channels = channels.filter(type=where["type"])
    return list(channels.order_by(*sort_fields(sort, ID_SORT)))


def resolve_markets(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Market:read")
    markets = one_or_many(info.context.store.markets.all(), "pk", (where or {}).get("id"))
    return paginate(markets.order_by(*sort_fields(sort, ID_SORT)), info, limit, page)


def resolve_pricelists(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Pricelist:read")
    where = where or {}
    pricelists = one_or_many(info.context.store.pricelists.all(), "pk", where.get("id"))
    pricelists = string_match(pricelists, "name", where.get("name"))
    return paginate(pricelists.order_by(*sort_fields(sort, ID_SORT)), info, limit, page)


def resolve_warehouses(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Warehouse:read")
    where = where or {}
    warehouses = one_or_many(info.context.store.warehouses.all(), "pk", where.get("id"))
    warehouses = string_match(warehouses, "name", where.get("name"))
    return paginate(warehouses.order_by(*sort_fields(sort, ID_SORT)), info, limit, page)


def resolve_countries(_root, _info, where=None):
    where = where or {}
    found = [country(code) for code in COUNTRIES]
    if where.get("code"):
        found = [c for c in found if c["code"] in where["code"]]
    if where.get("isEU") is not None:
        found = [c for c in found if c["isEU"] == where["isEU"]]
    return found


def resolve_currencies(_root, info, where=None):
    where = where or {}
    found = [currency(code, info.context.store) for code in CURRENCIES]
    if where.get("code"):
        found = [c for c in found if c["code"] in where["code"]]
    if where.get("isBase") is not None:
        found = [c for c in found if c["isBase"] == where["isBase"]]
    return found


def _assigned_countries(obj, _info):
    return [country(code) for code in obj.country_codes]


RESOLVERS = {
    "Query": {
        "stores": resolve_stores, "markets": resolve_markets, "pricelists": resolve_pricelists,
        "warehouses": resolve_warehouses, "countries": resolve_countries, "currencies": resolve_currencies,
        "rateLimits": lambda _root, info: ratelimit.snapshot(info.context.store),
        "counters": lambda _root, _info: {},
    },
    "Market": {"assignedToCountries": _assigned_countries},
    "Pricelist": {
        "assignedToCountries": _assigned_countries,
        "currency": lambda pricelist, info: currency(pricelist.currency, info.context.store),
    },
}
