"""Helpers shared by the resolvers: money values, paging, sorting, filtering and Relay connections."""

import base64
import re
from datetime import datetime
from decimal import Decimal

from django.db.models import Q
from graphql import GraphQLError

from ..reference import COUNTRIES, CURRENCIES, STATES
from ..scalars import format_datetime, parse_datetime_tz
from ..services.ledger import q2, tax_included

CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name: str) -> str:
    return CAMEL.sub("_", name).lower()


def default_resolver(source, info, **args):
    """Dict keys as-is, model attributes in snake_case; datetimes honour the `format` argument."""
    name = info.field_name
    value = source.get(name) if isinstance(source, dict) else getattr(source, snake(name), None)
    if isinstance(value, datetime):
        return format_datetime(value, args.get("format"))
    if isinstance(value, Decimal):
        return float(value)
    return value


def currency(code: str, store) -> dict:
    known = CURRENCIES[code]
    return {"id": known.id, "code": known.code, "name": known.name, "isBase": code == store.base_currency}


def money(amount, code: str, store, rate=1) -> dict:
    """A MonetaryValue, e.g. {"value": 700.0, "formattedValue": "700.00 SEK", ...}."""
    value = abs(q2(amount)) if not amount else q2(amount)  # never report "-0.00"
    return {
        "value": float(value), "currency": currency(code, store), "conversionRate": float(rate),
        "formattedValue": f"{value:.2f} {code}",
    }


def order_money(order, amount, tax_percent=None, including_tax: bool = True) -> dict:
    """Money in an order's currency; without tax strips the VAT contained at `tax_percent`."""
    if not including_tax and tax_percent is not None:
        amount = Decimal(amount) - tax_included(amount, tax_percent)
    return money(amount, order.currency, order.store, order.conversion_rate)


def country(code: str | None) -> dict | None:
    known = COUNTRIES.get(code or "")
    if known is None:
        return None if not code else {"id": 0, "code": code, "name": code, "continent": None, "isEU": False,
                                      "states": []}
    states = [{"id": s.id, "code": s.code, "name": s.name} for s in STATES.values() if s.country == known.code]
    return {"id": known.id, "code": known.code, "name": known.name, "continent": known.continent,
            "isEU": known.is_eu, "states": states}


def state(country_code: str | None, code: str | None) -> dict | None:
    """A State from the code an address stores; a code we do not know is echoed with id 0."""
    if not code:
        return None
    known = STATES.get((country_code or "", code))
    return {"id": 0, "code": code, "name": code} if known is None else {"id": known.id, "code": code,
                                                                         "name": known.name}


def require(info, permission: str) -> None:
    info.context.require(permission, info.field_name)


def page(queryset, info, limit: int | None, page_number: int | None):
    """Page/limit paging: 1-based pages, `limit` capped at the store's `max_limit` knob."""
    store = info.context.store
    limit = store.default_limit if limit is None else limit
    page_number = 1 if page_number is None else page_number
    if limit < 1 or page_number < 1:
        raise GraphQLError("limit and page must be positive", extensions={"category": "validation"})
    limit = min(limit, store.max_limit)
    offset = (page_number - 1) * limit
    return list(queryset[offset:offset + limit])


def sort_fields(sort, field_map: dict[str, str], default: str = "id_ASC") -> list[str]:
    """`[createdAt_DESC]` -> ["-created_at", "-pk"] (the pk keeps order stable)."""
    keys = sort if isinstance(sort, list) else [sort] if sort else [default]
    order_by = []
    for key in keys:
        field, direction = key.rsplit("_", 1)
        order_by.append(("-" if direction == "DESC" else "") + field_map[field])
    if order_by[-1].lstrip("-") != "pk":
        order_by.append(("-" if order_by[0].startswith("-") else "") + "pk")
    return order_by


def date_range(queryset, field: str, value: dict | None):
    if not value:
        return queryset
    if value.get("from") is not None:
        queryset = queryset.filter(**{f"{field}__gte": value["from"]})
    if value.get("to") is not None:
        queryset = queryset.filter(**{f"{field}__lte": value["to"]})
    return queryset


def one_or_many(queryset, lookup: str, value):
    """Filters take lists; a single value arrives as a one-element list through list coercion."""
    if value is None:
        return queryset
    return queryset.filter(**{f"{lookup}__in": value if isinstance(value, list) else [value]})


def string_match(queryset, field: str, match: dict | None):
    if not match:
        return queryset
    if match.get("equals") is not None:
        queryset = queryset.filter(**{f"{field}__iexact": match["equals"]})
    if match.get("contains") is not None:
        queryset = queryset.filter(**{f"{field}__icontains": match["contains"]})
    return queryset


# --- Relay connections ----------------------------------------------------------------------

def _encode(key: str, value, pk: int, unique: bool) -> str:
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    raw = f"{key}:{text}" if unique else f"{key}:{text};{pk}"
    return base64.b64encode(raw.encode()).decode()


def _decode(cursor: str, key: str, unique: bool):
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
        found_key, text = raw.split(":", 1)
        if found_key != key:
            raise ValueError(key)
        text, pk = (text, None) if unique else text.rsplit(";", 1)
        value = int(text) if unique else parse_datetime_tz(text)
        return value, (None if pk is None else int(pk))
    except ValueError as exc:
        raise GraphQLError(f"Invalid cursor {cursor!r}", extensions={"category": "validation"}) from exc


def _beyond(field: str, descending: bool, value, pk, unique: bool, after: bool) -> Q:
    """Rows strictly after (or before) the cursor position in the sort order."""
    greater = after != descending
    op = "gt" if greater else "lt"
    if unique:
        return Q(**{f"{field}__{op}": value})
    return Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})


def connection(queryset, info, *, sort_key: str, order_by: list[str], args: dict) -> dict:
    """Keyset paging on the first sort field (plus pk to break ties) with base64 cursors."""
    store = info.context.store
    field = order_by[0].lstrip("-")
    descending = order_by[0].startswith("-")
    unique = field in ("pk", "number")
    queryset = queryset.order_by(*order_by)
    total = queryset.count()
    window = queryset
    for name, after in (("after", True), ("before", False)):
        if args.get(name):
            value, pk = _decode(args[name], sort_key, unique)
            window = window.filter(_beyond(field, descending, value, pk, unique, after))
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        first = store.default_limit
    size = min(first if first is not None else last, store.max_limit)
    if size < 0:
        raise GraphQLError("first/last must not be negative", extensions={"category": "validation"})
    nodes = list(window[:size]) if first is not None else list(reversed(window.reverse()[:size]))

    def cursor(node):
        return _encode(sort_key, getattr(node, field), node.pk, unique)

    def beyond(node, after):
        return queryset.filter(_beyond(field, descending, getattr(node, field), node.pk, unique, after)).exists()

    return {
        "totalCount": total,
        "edges": [{"cursor": cursor(node), "node": node} for node in nodes],
        "pageInfo": {
            "hasNextPage": bool(nodes) and beyond(nodes[-1], True),
            "hasPreviousPage": bool(nodes) and beyond(nodes[0], False),
            "startCursor": cursor(nodes[0]) if nodes else None,
            "endCursor": cursor(nodes[-1]) if nodes else None,
        },
    }


def address(data: dict | None) -> dict | None:
    """Addresses are stored as the order's snapshot; `country` and `state` hold codes.

    `stateOrProvince` is free text kept as given; `state` is the structured one, null when the
    address has none (Centra's ex-dtc sample shows both: "State" and null).
    """
    if not data:
        return None
    return {**data, "country": country(data.get("country")), "state": state(data.get("country"), data.get("state"))}
