"""Resolvers by object; `RESOLVERS[type][field]` and `TYPE_RESOLVERS[abstract type]` are bound in schema.py."""

from . import catalog, events, mutations, orders, prices, returns, shipments, stock_events, tenant

RESOLVERS: dict[str, dict] = {}
for _module in (orders, shipments, returns, catalog, tenant, events, mutations, stock_events, prices):
    for _type, _fields in _module.RESOLVERS.items():
        RESOLVERS.setdefault(_type, {}).update(_fields)

TYPE_RESOLVERS = {**orders.TYPE_RESOLVERS, **shipments.TYPE_RESOLVERS, **returns.TYPE_RESOLVERS,
                  **events.TYPE_RESOLVERS}
