"""Returns and return lines."""

from ..models import Channel
from ..services import ledger
from .common import connection, date_range, one_or_many, order_money, require, sort_fields
from .common import page as paginate

RETURN_SORT = {"id": "pk", "createdAt": "created_at", "updatedAt": "updated_at"}


def filter_returns(returns, where: dict | None):
    where = where or {}
    returns = one_or_many(returns, "pk", where.get("id"))
    returns = one_or_many(returns, "status", where.get("status"))
    returns = one_or_many(returns, "shipment__order__customer_id", where.get("customerId"))
    if where.get("storeType"):
        returns = returns.filter(shipment__order__channel__type=where["storeType"])
    returns = date_range(returns, "created_at", where.get("createdAt"))
    return date_range(returns, "updated_at", where.get("updatedAt"))


def resolve_returns(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Return:read")
    returns = filter_returns(info.context.returns(), where).order_by(*sort_fields(sort, RETURN_SORT))
    return paginate(returns, info, limit, page)


def resolve_return(_root, info, id):
    require(info, "Return:read")
    return info.context.returns().filter(pk=id).first()


def resolve_return_connection(_root, info, where=None, sort=None, **args):
    require(info, "Return:read")
    order_by = sort_fields(sort, RETURN_SORT)
    key = (sort if isinstance(sort, list) else [sort])[0].rsplit("_", 1)[0] if sort else "id"
    returns = filter_returns(info.context.returns(), where)
    return connection(returns, info, sort_key=key, order_by=order_by, args=args)


def resolve_return_type(ret, _info, _type):
    dtc = ret.order.channel.type == Channel.Type.DIRECT_TO_CONSUMER
    return "DirectToConsumerReturn" if dtc else "WholesaleReturn"


def _grand_total(ret, _info, includingTax=True):
    amount = ledger.return_totals(ret)["grand_total"]
    if not includingTax:
        amount -= ledger.return_tax_included(ret)
    return order_money(ret.order, amount)


def _tax_rules(order, rules, sign=1):
    return [{"taxPercent": float(rule["tax_percent"]), "taxIncluded": order_money(order, sign * rule["tax_included"])}
            for rule in rules]


def _totals(ret, _info):
    totals = ledger.return_totals(ret)
    rules = ledger.return_tax_rules(ret)
    order = ret.order
    sign = order.store.discount_sign
    return {
        "shipping": order_money(order, totals["shipping"]),
        "handling": order_money(order, totals["handling"]),
        "returnCost": order_money(order, totals["return_cost"]),
        "discounts": order_money(order, sign * totals["discount"]),
        "shippingTaxRules": _tax_rules(order, rules["shipping"]),
        "handlingTaxRules": _tax_rules(order, rules["handling"]),
        "returnCostTaxRules": _tax_rules(order, rules["return_cost"]),
        "discountTaxRules": _tax_rules(order, rules["discount"], sign),
    }


def _order(ret, info):
    require(info, "Order:read")
    return ret.order


def _shipment(ret, info):
    require(info, "Shipment:read")
    return ret.shipment


def _customer(ret, info):
    require(info, "Customer:read")
    return ret.order.customer


RETURN_FIELDS = {
    "store": lambda ret, _info: ret.order.channel,
    "order": _order,
    "shipment": _shipment,
    "lines": lambda ret, _info: list(ret.lines.select_related("shipment_line__order_line__order").order_by("id")),
    "grandTotal": _grand_total,
    "totals": _totals,
    "refundPaymentHistory": lambda ret, _info: list(ret.refund_payment_history.order_by("id")),
}


def _return_line_value(line, _info, includingTax=True):
    order_line = line.shipment_line.order_line
    return order_money(order_line.order, ledger.line_value(order_line, line.quantity), order_line.tax_percent,
                       includingTax)


RESOLVERS = {
    "Query": {"returns": resolve_returns, "return": resolve_return, "returnConnection": resolve_return_connection},
    "DirectToConsumerReturn": {**RETURN_FIELDS, "customer": _customer},
    "WholesaleReturn": RETURN_FIELDS,
    "ReturnLine": {
        "orderLine": lambda line, _info: line.shipment_line.order_line,
        "lineValue": _return_line_value,
    },
}
TYPE_RESOLVERS = {"Return": resolve_return_type}
