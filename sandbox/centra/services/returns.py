"""Returns of shipped goods (centra.md §3.3, §4.7). Refunds are not part of the Integration API."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .. import webhooks
from ..errors import UserError
from ..models import OrderLine, Return, Shipment, ShipmentLine, Store, Warehouse
from . import events
from .ledger import ZERO, q2, returned_from_shipment_line, shipment_goods
from .orders import touch
from .stock import adjust_stock

FROM_SHIPMENT = "fromShipment"


def _shipment_line(shipment: Shipment, key, path) -> ShipmentLine:
    """A shipment line given as a ShipmentLine, its id, its OrderLine or a SKU."""
    lines = shipment.lines.select_related("order_line__size__variant__product").order_by("id")
    for line in lines:
        if (
            (isinstance(key, ShipmentLine) and line.pk == key.pk)
            or (isinstance(key, OrderLine) and line.order_line_id == key.pk)
            or (isinstance(key, int) and line.pk == key)
            or (isinstance(key, str) and line.order_line.size.sku == key)
        ):
            return line
    raise UserError(f"Shipment line {key} does not belong to shipment {shipment.number}", path)


def _left_on_shipment(shipment: Shipment, field: str, total: Decimal) -> Decimal:
    taken = shipment.returns.aggregate(total=Sum(field))["total"] or ZERO
    return q2(total) - taken


def _amount(value, left: Decimal, label: str, path) -> Decimal:
    if value == FROM_SHIPMENT:
        return left
    amount = q2(value or 0)
    if amount < 0:
        raise UserError(f"{label} cannot be negative", path)
    if amount > left:
        raise UserError(f"{label} {amount} exceeds what is left on the shipment ({left})", path)
    return amount


@transaction.atomic
def create_return(shipment: Shipment, lines: dict | list, *, shipping_refund=0, return_cost=0, comment: str = "",
                  handling_refund=0, voucher_value=0, return_to_stock: bool = True,
                  warehouse: Warehouse | None = None) -> Return:
    """Return shipped goods. Money arguments take an amount or FROM_SHIPMENT (what is left).

    A FROM_SHIPMENT voucher value is the shipment's voucher share of the returned goods.
    """
    shipment = Shipment.objects.select_for_update().select_related("order__store").get(pk=shipment.pk)
    if not shipment.is_shipped:
        raise UserError(f"Shipment {shipment.number} is not shipped yet", ("input", "shipment"))
    items = list(lines.items()) if isinstance(lines, dict) else list(lines)
    if not items:
        raise UserError("A return needs at least one line", ("input", "lines"))
    picked = []
    for index, (key, quantity) in enumerate(items):
        path = ("input", "lines", index)
        line = _shipment_line(shipment, key, (*path, "shipmentLine"))
        if quantity <= 0:
            raise UserError("Quantity must be positive", (*path, "quantity"))
        if quantity > line.quantity - returned_from_shipment_line(line):
            raise UserError(f"Quantity for shipment line {line.pk} exceeds the quantity shipped and not returned",
                            (*path, "quantity"))
        picked.append((line, quantity))
    goods = sum((q2(line.order_line.unit_price * quantity) for line, quantity in picked), ZERO)
    voucher_left = _left_on_shipment(shipment, "voucher_value", shipment.voucher_discount)
    if voucher_value == FROM_SHIPMENT:
        shipped_goods = shipment_goods(shipment)
        voucher_value = min(voucher_left, q2(shipment.voucher_discount * goods / shipped_goods)) if shipped_goods else 0
    now = timezone.now()
    ret = Return.objects.create(
        shipment=shipment, comment=comment, created_at=now, updated_at=now, returned_to_stock=return_to_stock,
        shipping_refund=_amount(shipping_refund, _left_on_shipment(shipment, "shipping_refund", shipment.shipping),
                                "Shipping cost", ("input", "shippingCost")),
        handling_refund=_amount(handling_refund, ZERO, "Handling cost", ("input", "handlingCost")),
        voucher_value=_amount(voucher_value, voucher_left, "Voucher value", ("input", "voucherValue")),
        return_cost=_amount(return_cost, goods, "Return cost", ("input", "returnCost")),
    )
    for line, quantity in picked:
        ret.lines.create(shipment_line=line, quantity=quantity)
        if return_to_stock:
            target = warehouse or shipment.order.store.warehouses.order_by("id").first()
            if target is not None:
                adjust_stock(target, line.order_line.size, quantity)
    touch(shipment.order, now)
    store = shipment.order.store
    events.emit(store, "Return", "CREATED", ret)
    events.emit(store, "Order", "UPDATED", shipment.order)
    webhooks.notify(store, "return", "create", ret.pk)
    return ret


def find_return(store: Store, return_id: int, path=("id",)) -> Return:
    ret = Return.objects.filter(shipment__order__store=store, pk=return_id).first()
    if ret is None:
        raise UserError(f"Could not find return with ID {return_id}", path)
    return ret


@transaction.atomic
def complete_return(ret: Return) -> Return:
    if ret.status == Return.Status.COMPLETED:
        raise UserError(f"Return {ret.pk} is already completed", ("id",))
    now = timezone.now()
    ret.status, ret.completed_at, ret.updated_at = Return.Status.COMPLETED, now, now
    ret.save(update_fields=["status", "completed_at", "updated_at"])
    touch(ret.order, now)
    events.emit(ret.order.store, "Return", "COMPLETED", ret)
    webhooks.notify(ret.order.store, "return", "update", ret.pk)
    return ret
