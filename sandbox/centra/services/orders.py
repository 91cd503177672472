"""Placing, confirming and cancelling orders."""

import json
import secrets
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .. import webhooks
from ..errors import UserError
from ..models import Customer, Market, Order, PaymentHistoryEntry, Pricelist, ProductSize, Store
from . import events
from .ledger import order_totals, q2, shipped_quantity
from .setup import create_market, size_by_sku

FIRST_ORDER_NUMBER = 10001


def touch(order: Order, now=None) -> None:
    order.updated_at = now or timezone.now()
    order.save(update_fields=["status", "updated_at"])


def _market_for(store: Store, country_code: str, currency: str) -> Market:
    for market in store.markets.order_by("id"):
        if country_code in market.country_codes:
            return market
    return create_market(store, country_code, country_codes=(country_code,), currency=currency)


def _pricelist_for(store: Store, country_code: str, currency: str) -> Pricelist:
    pricelists = store.pricelists.filter(currency=currency).order_by("id")
    for pricelist in pricelists:
        if country_code in pricelist.country_codes:
            return pricelist
    pricelist = pricelists.first()
    if pricelist is None:
        pricelist = Pricelist.objects.create(store=store, name=currency, currency=currency,
                                             country_codes=[country_code])
    return pricelist


def _address(address: dict | None, customer: Customer | None, email: str, country_code: str) -> dict:
    address = dict(address or {})
    if customer:
        address.setdefault("firstName", customer.first_name)
        address.setdefault("lastName", customer.last_name)
        address.setdefault("phoneNumber", customer.phone_number or None)
    address.setdefault("email", email or (customer.email if customer else None))
    address.setdefault("country", country_code)
    return address


@transaction.atomic
def create_order(store: Store, *, customer: Customer | None = None, email: str | None = None, lines: list[dict],
                 currency: str = "SEK", conversion_rate=1, market: Market | None = None, country_code: str = "SE",
                 billing_address: dict | None = None, shipping: Decimal = 0, voucher_discount: Decimal = 0,
                 status: str = "CONFIRMED", created_at=None, store_type: str = "DIRECT_TO_CONSUMER",
                 shipping_address: dict | None = None, payment_method: str = "Klarna Checkout",
                 is_internal: bool = False, authorization: str = "SUCCESS") -> Order:
    """Place an order as a checkout would. grandTotal = lines + shipping - voucher_discount.

    Line dicts: {"sku" or "size", "quantity", "unit_price", "original_price", "tax_percent",
    "product_name", "cancelled_quantity", "comment"}; a line with quantity 0 and a cancelled quantity
    is a fully cancelled line (hidden unless `includeFullyCancelled`). Addresses may carry a `state`
    code (e.g. "CA") besides the free-text `stateOrProvince`. `authorization` is the status of the
    PSP's AUTH entry: PENDING leaves the order waiting for payment.
    """
    now = created_at or timezone.now()
    billing = _address(billing_address, customer, email or "", country_code)
    number = (store.orders.aggregate(top=Max("number"))["top"] or FIRST_ORDER_NUMBER - 1) + 1
    order = Order.objects.create(
        store=store, channel=store.channels.get(type=store_type), hash_id=secrets.token_hex(16), number=number,
        status=status, customer=customer, email=billing.get("email") or "",
        market=market or _market_for(store, country_code, currency),
        pricelist=_pricelist_for(store, country_code, currency), currency=currency,
        conversion_rate=Decimal(str(conversion_rate)), shipping=q2(shipping), voucher_discount=q2(voucher_discount),
        billing_address=billing, shipping_address=shipping_address or dict(billing), payment_method=payment_method,
        is_internal=is_internal, created_at=now, order_date=now, updated_at=now,
    )
    for spec in lines:
        size = spec.get("size") or size_by_sku(store, spec["sku"])
        size = ProductSize.objects.select_related("variant__product").get(pk=size.pk)
        unit_price = q2(spec["unit_price"])
        order.lines.create(
            size=size, product_name=spec.get("product_name") or size.variant.product.name,
            variant_name=spec.get("variant_name", size.variant.name), quantity=spec["quantity"],
            cancelled_quantity=spec.get("cancelled_quantity", 0), unit_price=unit_price,
            original_price=q2(spec.get("original_price") or unit_price),
            tax_percent=Decimal(str(spec.get("tax_percent", 25))), comment=spec.get("comment") or "",
        )
    if order.lines.exists():
        order.shipping_tax_percent = max(line.tax_percent for line in order.lines.all())
        order.save(update_fields=["shipping_tax_percent"])
    PaymentHistoryEntry.objects.create(
        order=order, entry_type="AUTH", status=authorization, value=order_totals(order)["grand_total"],
        payment_method=payment_method, external_reference=secrets.token_hex(8), created_at=now,
    )
    events.emit(store, "Order", "CREATED", order)
    webhooks.notify(store, "order", "insert", order.number)
    return order


def find_order(store: Store, ref: dict, path=("input", "order")) -> Order:
    """Resolve an `{ id }` or `{ number }` order reference."""
    orders = store.orders.all()
    if ref.get("id"):
        order = orders.filter(hash_id=ref["id"]).first()
    elif ref.get("number") is not None:
        order = orders.filter(number=ref["number"]).first()
    else:
        raise UserError("Give the order's id or number", path)
    if order is None:
        raise UserError(f"Could not find order {ref.get('id') or ref.get('number')}", path)
    return order


@transaction.atomic
def confirm_order(order: Order) -> Order:
    if order.status != Order.Status.PENDING:
        raise UserError(f"Order {order.number} is {order.status}, only PENDING orders can be confirmed",
                        ("input", "order"))
    order.status = Order.Status.CONFIRMED
    touch(order)
    events.emit(order.store, "Order", "UPDATED", order)
    webhooks.notify(order.store, "order", "update", order.number)
    return order


@transaction.atomic
def cancel_order(order: Order, *, comment: str = "") -> Order:
    """Cancel every unshipped quantity. Captured orders must be returned and refunded instead."""
    if order.status in (Order.Status.SHIPPED, Order.Status.ARCHIVED, Order.Status.CANCELLED):
        raise UserError(f"Order {order.number} is {order.status} and cannot be cancelled", ("id",))
    if order.shipments.filter(is_captured=True).exists():
        raise UserError("Cannot cancel a captured order; create a return instead", ("id",))
    if any(shipped_quantity(line) for line in order.lines.all()):
        raise UserError("Order has shipments; only unshipped quantities can be cancelled", ("id",))
    authorized = order_totals(order)["grand_total"]
    for line in order.lines.all():
        line.cancelled_quantity += line.quantity
        line.quantity = 0
        line.save(update_fields=["quantity", "cancelled_quantity"])
    order.status = Order.Status.CANCELLED
    touch(order)
    PaymentHistoryEntry.objects.create(
        order=order, entry_type="CANCEL", status="SUCCESS", value=authorized,
        payment_method=order.payment_method, params_json=json.dumps({"comment": comment}),
        created_at=order.updated_at,
    )
    events.emit(order.store, "Order", "UPDATED", order)
    webhooks.notify(order.store, "order", "update", order.number)
    return order



def is_waiting_for_payment(order: Order) -> bool:
    """Not paid for yet: no successful authorization or capture in the order's payment history."""
    return not order.payment_history.filter(
        entry_type__in=(PaymentHistoryEntry.EntryType.AUTH, PaymentHistoryEntry.EntryType.CAPTURE),
        status=PaymentHistoryEntry.Status.SUCCESS,
    ).exists()


@transaction.atomic
def set_orders_lock(orders: list[Order], is_locked: bool) -> list[Order]:
    """The setOrdersLock mutation: a locked order is meant to be handled through the API only.

    Orders already in the wanted state are left untouched (no update, no event).
    """
    now = timezone.now()
    for order in orders:
        if order.is_locked == is_locked:
            continue
        order.is_locked, order.updated_at = is_locked, now
        order.save(update_fields=["is_locked", "updated_at"])
        events.emit(order.store, "Order", "UPDATED", order)
        webhooks.notify(order.store, "order", "update", order.number)
    return orders
