"""Quantities and money of orders, shipments and returns, computed from their lines.

All amounts are VAT-inclusive in the order currency and rounded to the öre (0.01). The rule the
integration engine relies on: a shipment's grand total is its lines + the shipping charged on it
- the voucher discount allocated to it, and an order's shipments add up exactly to the order.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from ..models import Order, OrderLine, Return, Shipment, ShipmentLine

CENT = Decimal("0.01")
ZERO = Decimal("0")


def q2(amount) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def tax_included(amount: Decimal, percent: Decimal) -> Decimal:
    """The VAT contained in a VAT-inclusive amount."""
    return Decimal(amount) * Decimal(percent) / (100 + Decimal(percent))


def shipped_quantity(line: OrderLine) -> int:
    return line.shipment_lines.aggregate(total=Sum("quantity"))["total"] or 0


def returned_quantity(line: OrderLine) -> int:
    return sum(rl.quantity for sl in line.shipment_lines.all() for rl in sl.return_lines.all())


def left_to_ship(line: OrderLine) -> int:
    return line.quantity - shipped_quantity(line)


def returned_from_shipment_line(shipment_line: ShipmentLine) -> int:
    return shipment_line.return_lines.aggregate(total=Sum("quantity"))["total"] or 0


def line_value(line: OrderLine, quantity: int | None = None) -> Decimal:
    return q2(line.unit_price * (line.quantity if quantity is None else quantity))


def lines_value(order: Order) -> Decimal:
    return sum((line_value(line) for line in order.lines.all()), ZERO)


def order_totals(order: Order) -> dict:
    lines = list(order.lines.all())
    goods = sum((line_value(line) for line in lines), ZERO)
    discount = q2(order.voucher_discount)
    line_tax = sum((tax_included(line_value(line), line.tax_percent) for line in lines), ZERO)
    discount_tax = sum(
        (tax_included(discount * line_value(line) / goods, line.tax_percent) for line in lines if goods), ZERO
    )
    shipping_tax = tax_included(order.shipping, order.shipping_tax_percent)
    return {
        "goods": goods,
        "shipping": q2(order.shipping),
        "handling": q2(order.handling),
        "discount": discount,
        "grand_total": goods + q2(order.shipping) + q2(order.handling) - discount,
        "tax_included": q2(line_tax + shipping_tax - discount_tax),
        "shipping_tax_included": q2(shipping_tax),
        "quantity": sum(line.quantity for line in lines),
    }


def shipment_goods(shipment: Shipment) -> Decimal:
    return sum((line_value(sl.order_line, sl.quantity) for sl in shipment.lines.all()), ZERO)


def shipment_totals(shipment: Shipment) -> dict:
    goods = shipment_goods(shipment)
    line_tax = sum(
        (tax_included(line_value(sl.order_line, sl.quantity), sl.order_line.tax_percent)
         for sl in shipment.lines.all()),
        ZERO,
    )
    shipping_tax = tax_included(shipment.shipping, shipment.order.shipping_tax_percent)
    discount_tax = tax_included(shipment.voucher_discount, shipment.order.shipping_tax_percent)
    return {
        "goods": goods,
        "shipping": q2(shipment.shipping),
        "discount": q2(shipment.voucher_discount),
        "grand_total": goods + q2(shipment.shipping) - q2(shipment.voucher_discount),
        "tax_included": q2(line_tax + shipping_tax - discount_tax),
    }


def allocate_voucher(order: Order, goods: Decimal, completes_order: bool) -> Decimal:
    """The share of the order's voucher a new shipment carrying `goods` gets.

    Proportional to the shipped goods value; the shipment that leaves nothing to ship takes the
    remainder, so the shipments of an order always sum to the order's discount to the öre.
    """
    already = order.shipments.aggregate(total=Sum("voucher_discount"))["total"] or ZERO
    remaining = q2(order.voucher_discount) - already
    if completes_order:
        return remaining
    total_goods = lines_value(order)
    if not total_goods:
        return ZERO
    return min(q2(order.voucher_discount * goods / total_goods), remaining)


def return_goods(ret: Return) -> Decimal:
    return sum(
        (line_value(rl.shipment_line.order_line, rl.quantity) for rl in ret.lines.all()), ZERO
    )


def return_totals(ret: Return) -> dict:
    goods = return_goods(ret)
    grand = goods + ret.shipping_refund + ret.handling_refund - ret.return_cost - ret.voucher_value
    return {
        "goods": goods,
        "shipping": q2(ret.shipping_refund),
        "handling": q2(ret.handling_refund),
        "return_cost": q2(ret.return_cost),
        "discount": q2(ret.voucher_value),
        "grand_total": q2(grand),
    }


def tax_rules(amount: Decimal, rates: list[tuple[Decimal, Decimal]]) -> list[dict]:
    """The VAT inside `amount`, one rule per rate: [{"tax_percent", "amount", "tax_included"}].

    `rates` are (percent, weight) pairs; the amount is split in proportion to the weights and the
    last rate takes the remainder, so the shares add up to the amount to the öre. Nothing to split
    gives no rules.
    """
    amount = q2(amount)
    total = sum((weight for _percent, weight in rates), ZERO)
    if not amount or not rates or not total:
        return []
    rules, left = [], amount
    for index, (percent, weight) in enumerate(rates):
        share = left if index == len(rates) - 1 else q2(amount * weight / total)
        left -= share
        rules.append({"tax_percent": Decimal(percent), "amount": share,
                      "tax_included": q2(tax_included(share, percent))})
    return rules


def return_goods_by_rate(ret: Return) -> list[tuple[Decimal, Decimal]]:
    """(VAT percent, returned goods value) per rate, highest rate first."""
    by_rate: dict[Decimal, Decimal] = {}
    for rl in ret.lines.select_related("shipment_line__order_line"):
        line = rl.shipment_line.order_line
        by_rate[line.tax_percent] = by_rate.get(line.tax_percent, ZERO) + line_value(line, rl.quantity)
    return sorted(by_rate.items(), reverse=True)


def return_tax_rules(ret: Return) -> dict[str, list[dict]]:
    """The VAT of each money part of a return, as `ReturnTotals.*TaxRules` reports it.

    Shipping and handling are order charges taxed at the order's shipping rate, as on orders and
    shipments; the return fee and the voucher value taken back follow the returned goods' rates,
    split by value, as an order's discount does.
    """
    goods = return_goods_by_rate(ret)
    shipping_rate = [(ret.order.shipping_tax_percent, Decimal(1))]
    return {
        "goods": tax_rules(sum((value for _rate, value in goods), ZERO), goods),
        "shipping": tax_rules(ret.shipping_refund, shipping_rate),
        "handling": tax_rules(ret.handling_refund, shipping_rate),
        "return_cost": tax_rules(ret.return_cost, goods),
        "discount": tax_rules(ret.voucher_value, goods),
    }


def return_tax_included(ret: Return) -> Decimal:
    """The VAT inside a return's grand total: goods + shipping + handling - fee - voucher taken back."""
    rules = return_tax_rules(ret)

    def tax(part: str) -> Decimal:
        return sum((rule["tax_included"] for rule in rules[part]), ZERO)

    return tax("goods") + tax("shipping") + tax("handling") - tax("return_cost") - tax("discount")
