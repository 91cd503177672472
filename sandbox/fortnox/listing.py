"""List endpoints: searches, `lastmodified`, sorting and `limit`/`page`/`offset` pagination with
Fortnox's `MetaInformation` (fortnox.md §4.2-4.3)."""

import datetime as dt
import math

from django.utils import timezone

from . import errors
from .errors import FortnoxError

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


def _int_param(params, name: str, default: int, minimum: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise errors.invalid_parameter()
    return int(raw)


def parse_last_modified(raw: str) -> dt.datetime:
    """`YYYY-MM-DD HH:MM` (or `…:SS`, or a bare date), in the company's local time."""
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return timezone.make_aware(dt.datetime.strptime(raw.strip(), fmt))
        except ValueError:
            continue
    raise errors.invalid_parameter()


def parse_date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise errors.invalid_parameter() from exc


def apply_search(queryset, params, lookups: dict[str, str]):
    """Each present search parameter narrows the list: `lookups` maps it to an ORM lookup."""
    for param, lookup in lookups.items():
        value = params.get(param)
        if value not in (None, ""):
            queryset = queryset.filter(**{lookup: value})
    if params.get("lastmodified"):
        queryset = queryset.filter(last_modified__gte=parse_last_modified(params["lastmodified"]))
    return queryset


def apply_filter(queryset, params, filters: dict):
    """The one resource-specific `filter`; an unknown value is 2000587."""
    name = params.get("filter")
    if not name:
        return queryset
    if name not in filters:
        raise FortnoxError(errors.INVALID_FILTER, "Ett ogiltigt filter har använts.")
    return queryset.filter(filters[name]())


def apply_sort(queryset, params, columns: dict[str, str]):
    sortby = params.get("sortby")
    if not sortby:
        return queryset
    if sortby not in columns:
        raise errors.invalid_parameter()
    order = params.get("sortorder", "ascending")
    if order not in ("ascending", "descending"):
        raise errors.invalid_parameter()
    column = columns[sortby]
    return queryset.order_by(f"-{column}" if order == "descending" else column, "pk")


def paginate(queryset, params) -> tuple[list, dict]:
    """One page of records and the MetaInformation. A `limit` above 500 is capped (SIMULATED)."""
    limit = min(_int_param(params, "limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    page = _int_param(params, "page", 1, 1)
    offset = _int_param(params, "offset", 0, 0)
    total = queryset.count()
    start = offset + (page - 1) * limit
    items = list(queryset[start:start + limit])
    meta = {
        "@TotalResources": total,
        "@TotalPages": max(1, math.ceil(max(total - offset, 0) / limit)),
        "@CurrentPage": page,
    }
    return items, meta
