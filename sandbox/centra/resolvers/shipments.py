"""Shipments and shipment lines."""

from ..models import Channel
from ..services import ledger
from .common import address, connection, date_range, one_or_many, order_money, require, sort_fields
from .common import page as paginate

SHIPMENT_SORT = {"id": "pk", "createdAt": "created_at", "updatedAt": "updated_at"}


def filter_shipments(shipments, where: dict | None):
    where = where or {}
    shipments = one_or_many(shipments, "pk", where.get("id"))
    shipments = one_or_many(shipments, "order__hash_id", where.get("orderId"))
    shipments = date_range(shipments, "created_at", where.get("createdAt"))
    return date_range(shipments, "updated_at", where.get("updatedAt"))


def resolve_shipments(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Shipment:read")
    shipments = filter_shipments(info.context.shipments(), where).order_by(*sort_fields(sort, SHIPMENT_SORT))
    return paginate(shipments, info, limit, page)


def resolve_shipment(_root, info, id):
    require(info, "Shipment:read")
    return info.context.shipments().filter(pk=id).first()


def resolve_shipment_connection(_root, info, where=None, sort=None, **args):
    require(info, "Shipment:read")
    order_by = sort_fields(sort, SHIPMENT_SORT)
    key = (sort if isinstance(sort, list) else [sort])[0].rsplit("_", 1)[0] if sort else "id"
    shipments = filter_shipments(info.context.shipments(), where)
    return connection(shipments, info, sort_key=key, order_by=order_by, args=args)


def resolve_shipment_type(shipment, _info, _type):
    dtc = shipment.order.channel.type == Channel.Type.DIRECT_TO_CONSUMER
    return "DirectToConsumerShipment" if dtc else "WholesaleShipment"


def _grand_total(shipment, _info, includingTax=True):
    totals = ledger.shipment_totals(shipment)
    amount = totals["grand_total"] - (0 if includingTax else totals["tax_included"])
    return order_money(shipment.order, amount)


def _totals(shipment, _info):
    totals = ledger.shipment_totals(shipment)
    order = shipment.order
    return {
        "shipping": order_money(order, totals["shipping"]),
        "discounts": order_money(order, order.store.discount_sign * totals["discount"]),
        "taxAdded": order_money(order, 0),
        "taxIncluded": order_money(order, totals["tax_included"]),
    }


def _shipping_address(shipment, info):
    require(info, "Shipment.shippingAddress:read")
    return address(shipment.order.shipping_address)


def _carrier(shipment, _info):
    if not (shipment.carrier_name or shipment.service_name):
        return None
    return {"carrierName": shipment.carrier_name or None, "serviceName": shipment.service_name or None}


def _internal_cost(shipment, _info):
    cost = shipment.internal_shipping_cost
    return None if cost is None else order_money(shipment.order, cost)


def _returns(shipment, info):
    require(info, "Return:read")
    return list(shipment.returns.order_by("id"))


def _order(shipment, info):
    require(info, "Order:read")
    return shipment.order


SHIPMENT_FIELDS = {
    "number": lambda shipment, _info: shipment.number,
    "grandTotal": _grand_total,
    "totals": _totals,
    "lines": lambda shipment, _info: list(shipment.lines.select_related("order_line__order").order_by("id")),
    "shippingAddress": _shipping_address,
    "carrierInformation": _carrier,
    "internalShippingCost": _internal_cost,
    "trackingNumber": lambda shipment, _info: shipment.tracking_number or None,
    "returnTrackingNumber": lambda shipment, _info: shipment.return_tracking_number or None,
    "order": _order,
    "returns": _returns,
}


def _shipment_line_value(line, _info, includingTax=True):
    order_line = line.order_line
    return order_money(order_line.order, ledger.line_value(order_line, line.quantity), order_line.tax_percent,
                       includingTax)


RESOLVERS = {
    "Query": {"shipments": resolve_shipments, "shipment": resolve_shipment,
              "shipmentConnection": resolve_shipment_connection},
    "DirectToConsumerShipment": SHIPMENT_FIELDS,
    "WholesaleShipment": SHIPMENT_FIELDS,
    "ShipmentLine": {"lineValue": _shipment_line_value},
}
TYPE_RESOLVERS = {"Shipment": resolve_shipment_type}
