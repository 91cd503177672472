"""Shipments: create (optionally good-to-go and captured), update, capture, complete.

Business rules of centra.md §4: only CONFIRMED/PROCESSING orders ship, never more than is left
to ship, completion needs good-to-go + paid and a `shippedAt` not in the future.
"""

import json
import secrets
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from .. import webhooks
from ..errors import CaptureFailed, UserError
from ..models import Order, OrderLine, PaymentHistoryEntry, Shipment, Stock, Store
from ..scalars import parse_datetime_tz
from . import events
from .ledger import allocate_voucher, left_to_ship, line_value, shipment_totals
from .orders import touch

SHIPPABLE = (Order.Status.CONFIRMED, Order.Status.PROCESSING)


def _order_line(order: Order, key, path) -> OrderLine:
    """An order line given as an OrderLine, its id, or a SKU."""
    lines = order.lines.select_related("size__variant__product")
    if isinstance(key, OrderLine):
        line = lines.filter(pk=key.pk).first()
    elif isinstance(key, int):
        line = lines.filter(pk=key).first()
    else:
        line = next((candidate for candidate in lines.order_by("id") if candidate.size.sku == key), None)
    if line is None:
        raise UserError(f"Order line {key} does not belong to order {order.number}", path)
    return line


def _lines_to_ship(order: Order, lines: dict | list | None) -> list[tuple[OrderLine, int]]:
    """Validate the requested quantities against what is left to ship."""
    if lines is None:
        picked = [(line, left_to_ship(line)) for line in order.lines.order_by("id")]
        picked = [(line, quantity) for line, quantity in picked if quantity > 0]
        if not picked:
            raise UserError(f"Order {order.number} has nothing left to ship", ("input", "lines"))
        return picked
    items = list(lines.items()) if isinstance(lines, dict) else list(lines)
    if not items:
        raise UserError("A shipment needs at least one line", ("input", "lines"))
    picked, seen = [], set()
    for index, (key, quantity) in enumerate(items):
        path = ("input", "lines", index)
        line = _order_line(order, key, (*path, "orderLine"))
        if line.pk in seen:
            raise UserError(f"Order line {line.pk} is listed twice", (*path, "orderLine"))
        seen.add(line.pk)
        if quantity <= 0:
            raise UserError("Quantity must be positive", (*path, "quantity"))
        if quantity > left_to_ship(line):
            raise UserError(f"Quantity for order line {line.pk} exceeds the quantity left to ship", (*path, "quantity"))
        picked.append((line, quantity))
    return picked


@transaction.atomic
def create_shipment(order: Order, lines: dict | list | None = None, *, good_to_go: bool = True, capture: bool = True,
                    is_paid: bool = False, created_at=None, additional_message: str = "",
                    warnings: list | None = None) -> Shipment:
    """Ship `lines` (order line, id or SKU -> quantity; None = everything left).

    Shipping is charged on the first shipment; the voucher is allocated by shipped value with the
    last shipment taking the remainder. A refused capture keeps the shipment unpaid and is
    reported in `warnings` (the mutation's userWarnings).
    """
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status not in SHIPPABLE:
        raise UserError(f"Order {order.number} is {order.status}; only CONFIRMED or PROCESSING orders can ship",
                        ("input", "order"))
    if order.is_on_hold:
        raise UserError(f"Order {order.number} is on hold", ("input", "order"))
    picked = _lines_to_ship(order, lines)
    now = created_at or timezone.now()
    goods = sum((line_value(line, quantity) for line, quantity in picked), Decimal(0))
    shipping_now = {line.pk: quantity for line, quantity in picked}
    completes = all(left_to_ship(line) == shipping_now.get(line.pk, 0) for line in order.lines.all())
    first = not order.shipments.exists()
    shipment = Shipment.objects.create(
        order=order, seq=order.shipments.count() + 1, is_good_to_go=good_to_go,
        is_paid=is_paid, paid_at=now if is_paid else None,
        shipping=order.shipping if first else 0, voucher_discount=allocate_voucher(order, goods, completes),
        additional_message=additional_message, created_at=now, updated_at=now,
    )
    for line, quantity in picked:
        shipment.lines.create(order_line=line, quantity=quantity)
    if order.status == Order.Status.CONFIRMED:
        order.status = Order.Status.PROCESSING
    touch(order, now)
    if capture and not is_paid:
        try:
            capture_shipment(shipment, notify=False)
        except CaptureFailed as failure:
            if warnings is not None:
                warnings.append(UserError(failure.message, ("input", "capture")))
    events.emit(order.store, "Shipment", "CREATED", shipment)
    events.emit(order.store, "Order", "UPDATED", order)
    webhooks.notify(order.store, "shipment", "create", shipment.pk)
    return shipment


def find_shipment(store: Store, shipment_id: int, path=("id",)) -> Shipment:
    shipment = Shipment.objects.filter(order__store=store, pk=shipment_id).select_related("order").first()
    if shipment is None:
        raise UserError(f"Could not find shipment with ID {shipment_id}", path)
    return shipment


def _changed(shipment: Shipment, change_type: str = "UPDATED", now=None) -> None:
    shipment.updated_at = now or timezone.now()
    shipment.save()
    touch(shipment.order, shipment.updated_at)
    events.emit(shipment.order.store, "Shipment", change_type, shipment)
    events.emit(shipment.order.store, "Order", "UPDATED", shipment.order)
    webhooks.notify(shipment.order.store, "shipment", "update", shipment.pk)


@transaction.atomic
def update_shipment(shipment: Shipment, *, is_good_to_go: bool | None = None, is_paid: bool | None = None,
                    additional_message: str | None = None) -> Shipment:
    if shipment.is_shipped and is_good_to_go is False:
        raise UserError("A shipped shipment cannot be taken back from good-to-go", ("input", "isGoodToGo"))
    if is_paid is False and shipment.is_captured:
        raise UserError("A captured shipment cannot be marked unpaid", ("input", "isPaid"))
    if is_good_to_go is not None:
        shipment.is_good_to_go = is_good_to_go
    if is_paid is not None and is_paid != shipment.is_paid:
        shipment.is_paid = is_paid
        shipment.paid_at = timezone.now() if is_paid else None
    if additional_message is not None:
        shipment.additional_message = additional_message
    _changed(shipment)
    return shipment


def capture_shipment(shipment: Shipment, *, notify: bool = True) -> PaymentHistoryEntry:
    """Capture the shipment's grand total. The outcome is the store knob `capture_outcome`.

    Not atomic on purpose: a FAILED entry must survive the failure it reports.
    """
    if shipment.is_captured:
        raise UserError(f"Shipment {shipment.number} is already captured", ("id",))
    order = shipment.order
    if order.status == Order.Status.CANCELLED:
        raise UserError(f"Order {order.number} is cancelled", ("id",))
    outcome = order.store.capture_outcome
    now = timezone.now()
    entry = PaymentHistoryEntry.objects.create(
        order=order, shipment=shipment, entry_type="CAPTURE_REQUEST" if outcome == "PENDING" else "CAPTURE",
        status=outcome, value=shipment_totals(shipment)["grand_total"], payment_method=order.payment_method,
        external_reference=secrets.token_hex(8), params_json=json.dumps({"simulated": True, "result": outcome}),
        created_at=now,
    )
    if outcome == "FAILED":
        raise CaptureFailed(f"Capture of shipment {shipment.number} failed at the payment provider", ("id",))
    if outcome == "SUCCESS":
        shipment.is_captured, shipment.captured_at = True, now
        shipment.is_paid, shipment.paid_at = True, now
        if notify:
            _changed(shipment, now=now)
        else:
            shipment.save(update_fields=["is_captured", "captured_at", "is_paid", "paid_at"])
    return entry


def parse_shipped_at(value, now: datetime) -> datetime:
    """`shippedAt` also takes the PHP relative strings Centra documents (now, yesterday, -1 hour)."""
    return parse_datetime_tz(value, now=now) if isinstance(value, str) else value


@transaction.atomic
def complete_shipment(shipment: Shipment, *, shipped_at=None, tracking_number: str = "", carrier: str = "",
                      service: str = "", packages: int = 0, return_tracking_number: str = "",
                      internal_shipping_cost: Decimal | None = None) -> Shipment:
    """Mark shipped: needs good-to-go and paid; deducts physical stock; may complete the order."""
    now = timezone.now()
    if shipment.is_shipped:
        raise UserError(f"Shipment {shipment.number} is already completed", ("id",))
    if not shipment.is_good_to_go:
        raise UserError(f"Shipment {shipment.number} is not good to go", ("id",))
    if not shipment.is_paid:
        raise UserError(f"Shipment {shipment.number} is not paid", ("id",))
    shipped_at = parse_shipped_at(shipped_at, now) if shipped_at else now
    if shipped_at > now:
        raise UserError("shippedAt cannot be in the future", ("input", "shippedAt"))
    shipment.is_shipped, shipment.shipped_at = True, shipped_at
    shipment.tracking_number = tracking_number or shipment.tracking_number
    shipment.return_tracking_number = return_tracking_number or shipment.return_tracking_number
    shipment.carrier_name = carrier or shipment.carrier_name
    shipment.service_name = service or shipment.service_name
    shipment.number_of_packages = packages or shipment.number_of_packages
    if internal_shipping_cost is not None:
        shipment.internal_shipping_cost = internal_shipping_cost
    _deduct_stock(shipment)
    order = shipment.order
    if all(left_to_ship(line) == 0 for line in order.lines.all()) and not order.shipments.filter(
        is_shipped=False
    ).exclude(pk=shipment.pk).exists():
        order.status = Order.Status.SHIPPED
    _changed(shipment, "COMPLETED", now)
    return shipment


def _deduct_stock(shipment: Shipment) -> None:
    """Physical stock leaves the warehouses (in id order) when the goods are shipped."""
    for shipment_line in shipment.lines.select_related("order_line"):
        remaining = shipment_line.quantity
        for stock in Stock.objects.select_for_update().filter(
            size_id=shipment_line.order_line.size_id, physical_quantity__gt=0
        ).order_by("warehouse_id"):
            taken = min(remaining, stock.physical_quantity)
            stock.physical_quantity -= taken
            stock.save(update_fields=["physical_quantity"])
            remaining -= taken
            if not remaining:
                break
