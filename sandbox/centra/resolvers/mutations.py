"""Order, shipment and return mutations (centra.md §4.1–4.8, §4.12, §4.13)."""

from django.db import transaction

from .. import services
from ..errors import UserError
from ..models import Channel
from .payloads import amount, mutation, visible


def _order(info, ref, path=("input", "order")):
    return visible(info, services.find_order(info.context.store, ref, path), path)


def _shipment(info, shipment_id, path=("id",)):
    shipment = services.find_shipment(info.context.store, shipment_id, path)
    visible(info, shipment.order, path)
    return shipment


@mutation("Order:write", "order")
def confirm_order(info, _warnings, input):
    return services.confirm_order(_order(info, input["order"]))


@mutation("Order:write", "order")
def cancel_direct_to_consumer_order(info, _warnings, id, input=None):
    order = _order(info, {"id": id}, ("id",))
    if order.channel.type != Channel.Type.DIRECT_TO_CONSUMER:
        raise UserError(f"Order {order.number} is a wholesale order", ("id",))
    return services.cancel_order(order, comment=(input or {}).get("comment") or "")


@mutation("Order.isLocked:write", "orders")
def set_orders_lock(info, _warnings, input):
    orders = [_order(info, ref, ("input", "orders", index)) for index, ref in enumerate(input["orders"])]
    return services.set_orders_lock(orders, input["isLocked"])


@mutation("Shipment:write", "shipment")
def create_shipment(info, warnings, input):
    order = _order(info, input["order"])
    lines = input.get("lines")
    if lines is not None:
        lines = [(line["orderLine"]["id"], line["quantity"]) for line in lines]
    with transaction.atomic():
        shipment = services.create_shipment(
            order, lines, good_to_go=bool(input.get("isGoodToGo")), capture=bool(input.get("capture")),
            is_paid=bool(input.get("isPaid")), created_at=input.get("createdAt"),
            additional_message=input.get("additionalMessage") or "", warnings=warnings,
        )
        if input.get("shippedAt"):
            shipment = services.complete_shipment(shipment, shipped_at=input["shippedAt"])
    return shipment


@mutation("Shipment:write", "shipment")
def update_shipment(info, _warnings, id, input):
    return services.update_shipment(
        _shipment(info, id), is_good_to_go=input.get("isGoodToGo"), is_paid=input.get("isPaid"),
        additional_message=input.get("additionalMessage"),
    )


@mutation("Shipment:write", "shipment")
def capture_shipment(info, _warnings, id):
    shipment = _shipment(info, id)
    entry = services.capture_shipment(shipment)
    shipment.refresh_from_db()
    return {"shipment": shipment, "paymentHistoryEntry": entry}


@mutation("Shipment:write", "shipment")
def complete_shipment(info, _warnings, id, input=None):
    shipment = _shipment(info, id)
    input = input or {}
    shipment_info = input.get("shipmentInfo") or {}
    return services.complete_shipment(
        shipment, shipped_at=input.get("shippedAt"), tracking_number=shipment_info.get("trackingNumber") or "",
        carrier=shipment_info.get("carrier") or "", service=shipment_info.get("service") or "",
        packages=shipment_info.get("packagesNumber") or 0,
        return_tracking_number=shipment_info.get("returnTrackingNumber") or "",
        internal_shipping_cost=amount(shipment_info.get("internalShippingCost"), shipment.order,
                                      ("input", "shipmentInfo", "internalShippingCost")),
    )


def _return_cost(cost: dict | None, order, name: str):
    """A ReturnCostInput: `{fromShipment: true}` or `{value: MonetaryValueInput}`."""
    if not cost:
        return 0
    if cost.get("fromShipment"):
        return services.FROM_SHIPMENT
    return amount(cost.get("value"), order, ("input", name, "value")) or 0


@mutation("Return:write", "return")
def create_return(info, _warnings, input):
    shipment = _shipment(info, input["shipment"]["id"], ("input", "shipment"))
    order = shipment.order
    policy = input.get("returnStockActionPolicy") or {"releaseItemsBackToWarehouse": True}
    warehouse = None
    if policy.get("sendItemsToDifferentWarehouse"):
        warehouse_id = policy["sendItemsToDifferentWarehouse"]["id"]
        warehouse = info.context.store.warehouses.filter(pk=warehouse_id).first()
        if warehouse is None:
            raise UserError(f"Could not find warehouse with ID {warehouse_id}",
                            ("input", "returnStockActionPolicy", "sendItemsToDifferentWarehouse"))
    return services.create_return(
        shipment, [(line["shipmentLine"]["id"], line["quantity"]) for line in input["lines"]],
        shipping_refund=_return_cost(input.get("shippingCost"), order, "shippingCost"),
        handling_refund=_return_cost(input.get("handlingCost"), order, "handlingCost"),
        voucher_value=_return_cost(input.get("voucherValue"), order, "voucherValue"),
        return_cost=amount(input.get("returnCost"), order, ("input", "returnCost")) or 0,
        comment=input.get("comment") or "",
        return_to_stock=bool(policy.get("releaseItemsBackToWarehouse") or warehouse),
        warehouse=warehouse,
    )


@mutation("Return:write", "return")
def complete_return(info, _warnings, id, input=None):
    ret = services.find_return(info.context.store, id)
    visible(info, ret.order, ("id",))
    return services.complete_return(ret)


RESOLVERS = {
    "Mutation": {
        "confirmOrder": confirm_order,
        "cancelDirectToConsumerOrder": cancel_direct_to_consumer_order,
        "setOrdersLock": set_orders_lock,
        "createShipment": create_shipment,
        "updateShipment": update_shipment,
        "captureShipment": capture_shipment,
        "completeShipment": complete_shipment,
        "createReturn": create_return,
        "completeReturn": complete_return,
    },
}
