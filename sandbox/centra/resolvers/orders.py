"""Orders and order lines: root queries, fields and interface resolution."""

from ..models import Channel, Order
from ..services import is_waiting_for_payment, ledger
from .common import address, connection, date_range, one_or_many, order_money, require, sort_fields
from .common import page as paginate

ORDER_SORT = {"id": "pk", "number": "number", "createdAt": "created_at", "updatedAt": "updated_at",
              "orderDate": "order_date"}


def filter_orders(orders, where: dict | None):
    where = where or {}
    orders = one_or_many(orders, "hash_id", where.get("id"))
    orders = one_or_many(orders, "number", where.get("number"))
    orders = one_or_many(orders, "status", where.get("status"))
    orders = one_or_many(orders, "channel_id", where.get("storeId"))
    orders = one_or_many(orders, "market_id", where.get("marketId"))
    orders = one_or_many(orders, "customer_id", where.get("customerId"))
    if where.get("storeType"):
        orders = orders.filter(channel__type=where["storeType"])
    for name, field in (("createdAt", "created_at"), ("orderDate", "order_date"), ("updatedAt", "updated_at")):
        orders = date_range(orders, field, where.get(name))
    return orders


def resolve_orders(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Order:read")
    orders = filter_orders(info.context.orders(), where).order_by(*sort_fields(sort, ORDER_SORT))
    return paginate(orders, info, limit, page)


def resolve_order(_root, info, id):
    require(info, "Order:read")
    return info.context.orders().filter(hash_id=id).first()


def resolve_order_connection(_root, info, where=None, sort=None, **args):
    require(info, "Order:read")
    order_by = sort_fields(sort, ORDER_SORT, default="number_ASC")
    key = (sort if isinstance(sort, list) else [sort])[0].rsplit("_", 1)[0] if sort else "number"
    return connection(filter_orders(info.context.orders(), where), info, sort_key=key, order_by=order_by, args=args)


def resolve_order_type(order, _info, _type):
    return "DirectToConsumerOrder" if order.channel.type == Channel.Type.DIRECT_TO_CONSUMER else "WholesaleOrder"


def _grand_total(order: Order, _info, includingTax=True):
    totals = ledger.order_totals(order)
    amount = totals["grand_total"] - (0 if includingTax else totals["tax_included"])
    return order_money(order, amount)


def _totals(order: Order, _info):
    totals = ledger.order_totals(order)
    sign = order.store.discount_sign

    def value(amount):
        return order_money(order, amount)

    return {
        "shipping": value(totals["shipping"]), "handling": value(totals["handling"]), "taxAdded": value(0),
        "taxDeducted": value(0), "taxIncluded": value(totals["tax_included"]),
        "discounts": value(sign * totals["discount"]), "shippingTaxIncluded": value(totals["shipping_tax_included"]),
        "quantity": totals["quantity"],
    }


def _lines(order: Order, _info, includeFullyCancelled=False):
    lines = order.lines.select_related("size__variant__product", "order__store").order_by("id")
    if not includeFullyCancelled:
        lines = lines.exclude(quantity=0, cancelled_quantity__gt=0)
    return list(lines)


def _shipping_address(order, info):
    require(info, "Order.shippingAddress:read")
    return address(order.shipping_address)


def _billing_address(order, info):
    require(info, "Order.billingAddress:read")
    return address(order.billing_address)


def _customer(order, info):
    require(info, "Customer:read")
    return order.customer


def _shipments(order, info):
    require(info, "Shipment:read")
    return list(order.shipments.order_by("seq"))


def _returns(order, info):
    require(info, "Return:read")
    return list(info.context.returns().filter(shipment__order=order).order_by("id"))


def _payment_history(order, info, where=None):
    require(info, "PaymentHistory:read")
    entries = order.payment_history.order_by("id")
    return list(one_or_many(entries, "entry_type", (where or {}).get("entryType")))


def resolve_payment_entry_value(entry, _info):
    return order_money(entry.order, entry.value)


ORDER_FIELDS = {
    "id": lambda order, _info: order.hash_id,
    "store": lambda order, _info: order.channel,
    "currencyBaseRate": lambda order, _info: float(order.conversion_rate),
    "grandTotal": _grand_total,
    "totals": _totals,
    "lines": _lines,
    "shippingAddress": _shipping_address,
    "billingAddress": _billing_address,
    "paymentMethod": lambda order, _info: {"name": order.payment_method, "uri": None, "plugin": None},
    "shipments": _shipments,
    "returns": _returns,
    "paymentHistory": _payment_history,
    "isWaitingForPayment": lambda order, _info: is_waiting_for_payment(order),
}


def _line_money(field):
    def resolve(line, _info, includingTax=True):
        amount = getattr(line, field) if field != "line_value" else ledger.line_value(line)
        return order_money(line.order, amount, line.tax_percent, includingTax)

    return resolve


def _discount_percent(line, _info) -> float:
    if not line.original_price:
        return 0.0
    return float(round((line.original_price - line.unit_price) / line.original_price * 100, 2))


def _product_part(permission, path):
    def resolve(line, info):
        require(info, permission)
        target = line.size
        for attribute in path:
            target = getattr(target, attribute)
        return target

    return resolve


ORDER_LINE_FIELDS = {
    "productVariantName": lambda line, _info: line.variant_name,
    "product": _product_part("Product:read", ("variant", "product")),
    "productVariant": _product_part("Product:read", ("variant",)),
    "productSize": _product_part("Product:read", ()),
    "shippedQuantity": lambda line, _info: ledger.shipped_quantity(line),
    "returnedQuantity": lambda line, _info: ledger.returned_quantity(line),
    "unitPrice": _line_money("unit_price"),
    "unitOriginalPrice": _line_money("original_price"),
    "lineValue": _line_money("line_value"),
    "discountPercent": _discount_percent,
    "hasAnyDiscount": lambda line, _info: line.unit_price < line.original_price,
    "taxPercent": lambda line, _info: float(line.tax_percent),
    "comment": lambda line, _info: line.comment or None,
}


def resolve_count_orders(_counters, info, where=None):
    require(info, "Order:read")
    return filter_orders(info.context.orders(), where).count()


RESOLVERS = {
    "Query": {"orders": resolve_orders, "order": resolve_order, "orderConnection": resolve_order_connection},
    "DirectToConsumerOrder": {**ORDER_FIELDS, "customer": _customer},
    "WholesaleOrder": {**ORDER_FIELDS, "purchaseOrderNumber": lambda _order, _info: None},
    "OrderLine": ORDER_LINE_FIELDS,
    "Counters": {"orders": resolve_count_orders},
    "PaymentHistoryEntry": {
        "value": resolve_payment_entry_value,
        "paramsJSON": lambda entry, _info: entry.params_json,
    },
}
TYPE_RESOLVERS = {"Order": resolve_order_type}
