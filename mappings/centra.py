"""Centra records -> domain documents: invoices from shipments, credit invoices from returns.

A shipment becomes one invoice: every shipped line with quantity, unit price, discount and VAT,
the shipment's shipping, and its share of order-level discounts (vouchers) as discount rows per
VAT rate, so the invoice total equals what Centra captured for the shipment. A return becomes
one credit invoice with every row needed for its total to equal the refund: the returned lines,
the voucher value taken back, refunded shipping and handling, and the return fee on its own
account. Accounts and VAT come from the bookkeeping settings (`accounting.booking_for`), the
same for both, so a credit reverses exactly what its invoice booked.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from integrations.documents import Customer, Invoice, InvoiceRow
from integrations.errors import SyncError

from .accounting import Booking, booking_for
from .models import Bookkeeping, OssCountry
from .services import MappingSet, bookkeeping_for
from .transforms import money, text

ONE = Decimal("1")
# What a record of the wrong shape raises in plain Python, somewhere deep in a mapping.
MALFORMED = (TypeError, KeyError, AttributeError, ValueError, IndexError, ArithmeticError)


def malformed_is_invalid(what: str):
    """A Centra record of the wrong shape (a list where an object belongs, text for a number, a
    null) fails as `invalid_source_data` with what was wrong, never as a crash."""
    def decorator(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except SyncError:
                raise
            except MALFORMED as exc:
                raise SyncError("invalid_source_data", f"The Centra {what} is malformed: "
                                                       f"{type(exc).__name__}: {exc}") from exc
        return guarded
    return decorator


@dataclass
class MappingContext:
    """What a run maps with, loaded once: field mappings, value maps, bookkeeping, OSS accounts."""

    mappings: MappingSet
    bookkeeping: Bookkeeping
    oss: dict[str, OssCountry]

    @classmethod
    def load(cls, integration, flow_kind: str) -> "MappingContext":
        return cls(
            MappingSet.for_flow(integration, flow_kind),
            bookkeeping_for(integration),
            {o.country_code: o for o in OssCountry.objects.filter(integration=integration)},
        )


def decimal(value, what: str) -> Decimal:
    if isinstance(value, dict):
        value = value.get("value")
    if value is None:
        return Decimal("0")
    if isinstance(value, bool):
        raise SyncError("invalid_source_data", f"{what} is not a number: {value!r}")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise SyncError("invalid_source_data", f"{what} is not a number: {value!r}") from exc
    if not number.is_finite():
        raise SyncError("invalid_source_data", f"{what} is not a finite number: {value!r}")
    return number


def obj(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SyncError("invalid_source_data", f"{what} should be an object, got {type(value).__name__}.")
    return value


def shipment_reference(shipment: dict) -> str:
    """What we write into the ERP invoice to find it again: stable, unique, short."""
    return f"centra-shipment-{shipment['id']}"


def return_reference(ret: dict) -> str:
    return f"centra-return-{ret['id']}"


def currency_of(order: dict) -> str:
    total = obj(order.get("grandTotal"), "grandTotal")
    code = text(obj(total.get("currency"), "grandTotal.currency").get("code")).upper()
    if not code:
        raise SyncError("invalid_source_data", f"Order {order.get('number')} has no currency.")
    return code


def _date(record: dict, keys: tuple[str, ...], what: str) -> date:
    for key in keys:
        value = record.get(key)
        if value:
            try:
                # Centra sends +02:00 and, in older answers, +0200: fromisoformat reads both.
                return datetime.fromisoformat(str(value).replace(" ", "T")).date()
            except ValueError as exc:
                raise SyncError("invalid_source_data", f"{what} {key} is not a date: {value!r}") from exc
    raise SyncError("invalid_source_data", f"{what} has no date ({', '.join(keys)}).")


# --- customers ----------------------------------------------------------------------------------

def customer_source_id(buyer: dict, email: str) -> str:
    """Stable across e-mail changes when Centra has a customer id; guests are keyed by e-mail."""
    return f"centra-customer-{buyer['id']}" if buyer.get("id") else f"email-{email.lower()}"


def customer_from_fields(fields: dict, *, source_id: str, what: str, currency: str = "",
                         is_company: bool = False, country_is_eu: bool | None = None) -> Customer:
    fields = dict(fields)
    email = text(fields.pop("Email", "")).strip()
    if not email or "@" not in email:
        raise SyncError("customer_missing_email", f"{what} has no usable customer e-mail ({email!r}).")
    name = text(fields.pop("Name", "")).strip() or email
    return Customer(
        source_id=source_id,
        email=email,
        name=name,
        is_company=is_company,
        organisation_number=text(fields.pop("OrganisationNumber", "")),
        vat_number=text(fields.pop("VATNumber", "")),
        currency=currency,
        country_code=text(fields.get("CountryCode", "")).upper(),
        country_is_eu=country_is_eu,
        fields=fields,
    )


@malformed_is_invalid("order")
def customer_from_order(order: dict, fields: dict) -> Customer:
    billing = obj(order.get("billingAddress"), "billingAddress")
    buyer = obj(order.get("customer"), "customer")
    email = text(fields.get("Email") or billing.get("email") or buyer.get("email")).strip()
    country = obj(billing.get("country"), "billingAddress.country")
    return customer_from_fields(
        {**fields, "Email": email},
        source_id=customer_source_id(buyer, email) if email else "",
        what=f"Order {order.get('number')}",
        currency=currency_of(order),
        is_company=bool(text(billing.get("companyName")).strip()),
        country_is_eu=country.get("isEU"),
    )


def booking_of(customer: Customer, context: MappingContext) -> Booking:
    return booking_for(context.bookkeeping, context.oss, country_code=customer.country_code,
                       is_eu=customer.country_is_eu, is_company=customer.is_company,
                       vat_number=customer.vat_number)


# --- rows ---------------------------------------------------------------------------------------

def line_row(order_line: dict, quantity: Decimal, booking: Booking) -> tuple[InvoiceRow, Decimal]:
    """The row for `quantity` of an order line (negative for a return), and Centra's VAT rate."""
    size = obj(order_line.get("productSize"), "orderLine.productSize")
    sku = text(size.get("SKU")).strip()
    names = (text(order_line.get("productName")), text(order_line.get("productVariantName")))
    description = " ".join(p for p in names if p) or sku
    if not sku:
        raise SyncError("missing_sku", f"Order line {order_line.get('id')} ({description}) has no SKU.")
    unit_price = decimal(order_line.get("unitPrice"), "unitPrice")
    original = decimal(order_line.get("unitOriginalPrice"), "unitOriginalPrice") or unit_price
    discount = decimal(order_line.get("discountPercent"), "discountPercent")
    vat = decimal(order_line.get("taxPercent"), "taxPercent")
    if unit_price < 0 or not (0 <= vat <= 100) or not (0 <= discount <= 100):
        raise SyncError("invalid_source_data",
                        f"Order line {order_line.get('id')} has an impossible price, VAT or discount.")
    is_gift_card = sku in (booking.bookkeeping.gift_card_skus or [])
    account, booked_vat = booking.gift_card() if is_gift_card else booking.goods(vat)
    row = InvoiceRow(description, quantity, original, booked_vat, article_number=sku,
                     discount_percent=discount, account=account)
    # Show the discount when Fortnox's percentage arithmetic lands on Centra's price to the öre;
    # otherwise invoice the discounted price itself so the total stays exact.
    if row.total != money(unit_price * quantity):
        row = InvoiceRow(description, quantity, unit_price, booked_vat, article_number=sku, account=account)
    return row, vat


def quantity_of(line: dict, what: str) -> Decimal:
    quantity = decimal(line.get("quantity"), f"{what} quantity")
    if quantity <= 0 or quantity != quantity.to_integral_value():
        raise SyncError("invalid_source_data", f"{what} {line.get('id')} has quantity {quantity}.")
    return quantity


def discount_rows(amount: Decimal, goods_by_vat: dict[Decimal, Decimal], booking: Booking, *,
                  sign: Decimal, label: str) -> list[InvoiceRow]:
    """Split a discount over the goods' VAT rates in proportion, to the öre (last rate takes the rest)."""
    if not amount:
        return []
    total_goods = sum(goods_by_vat.values())
    rates = sorted(goods_by_vat)
    rows, left = [], amount
    bookkeeping = booking.bookkeeping
    for index, rate in enumerate(rates):
        last = index == len(rates) - 1 or not total_goods
        share = left if last else money(amount * goods_by_vat[rate] / total_goods)
        left -= share
        account, vat = booking.discount(rate)
        rows.append(InvoiceRow(f"{label} ({rate.normalize()}% VAT)", sign * ONE, -share, vat,
                               article_number=bookkeeping.discount_article, account=account))
    return rows


def main_rate(goods_by_vat: dict[Decimal, Decimal]) -> Decimal:
    """The VAT rate carrying most of the goods: what shipping and fees follow."""
    return max(goods_by_vat, key=lambda rate: (goods_by_vat[rate], rate)) if goods_by_vat else Decimal("25")


def settle_rounding(rows: list[InvoiceRow], expected: Decimal, bookkeeping: Bookkeeping, *, what: str,
                    currency: str) -> list[InvoiceRow]:
    """Put a sub-unit difference (configured rounding) on the rounding account; more is a mismatch."""
    expected = money(expected, bookkeeping.rounding_decimals)
    total = sum((row.total for row in rows), Decimal("0"))
    difference = expected - total
    if not difference:
        return rows
    if abs(difference) >= 1:
        raise SyncError("total_mismatch",
                        f"{what}: rows add up to {total} but Centra's total is {expected} {currency}.")
    return [*rows, InvoiceRow("Rounding", ONE, difference, Decimal("0"), account=bookkeeping.rounding_account)]


def required_total(record: dict, what: str) -> dict:
    """Centra's total is what the document must add up to; without it nothing can be checked."""
    total = obj(record.get("grandTotal"), f"{what} grandTotal")
    if total.get("value") is None:
        raise SyncError("invalid_source_data", f"{what} has no grandTotal: cannot check what was captured.")
    return total


# --- invoices -----------------------------------------------------------------------------------

@malformed_is_invalid("shipment")
def invoice_from_shipment(order: dict, shipment: dict, context: MappingContext) -> Invoice:
    """Map one Centra shipment of `order` to an invoice document."""
    mapped = context.mappings.apply({**order, "shipment": shipment})
    customer = customer_from_order(order, mapped.get("Customer", {}))
    booking = booking_of(customer, context)
    lines_by_id = {line.get("id"): line for line in order.get("lines") or []}
    rows: list[InvoiceRow] = []
    goods_by_vat: dict[Decimal, Decimal] = defaultdict(Decimal)
    for shipment_line in shipment.get("lines") or []:
        order_line_id = obj(shipment_line.get("orderLine"), "shipment line orderLine").get("id")
        order_line = lines_by_id.get(order_line_id)
        if order_line is None:
            raise SyncError("invalid_source_data",
                            f"Shipment line {shipment_line.get('id')} points to unknown order line {order_line_id}.")
        row, centra_vat = line_row(order_line, quantity_of(shipment_line, "Shipment line"), booking)
        rows.append(row)
        goods_by_vat[centra_vat] += row.total
    if not rows:
        raise SyncError("invalid_source_data", f"Shipment {shipment.get('number')} has no lines.")
    totals = obj(shipment.get("totals"), "shipment totals")
    shipping = decimal(totals.get("shipping"), "shipment shipping")
    if shipping:
        account, vat = booking.freight(main_rate(goods_by_vat))
        rows.append(InvoiceRow("Shipping", ONE, shipping, vat, account=account,
                               article_number=context.bookkeeping.freight_article))
    # Centra's sign for discounts is not documented; a discount always lowers the total.
    discount = abs(decimal(totals.get("discounts"), "shipment discounts"))
    rows.extend(discount_rows(discount, goods_by_vat, booking, sign=ONE, label="Discount"))
    return _document(source=shipment, what=f"Shipment {shipment.get('number')}", sign=ONE,
                     reference=shipment_reference(shipment), date_keys=("shippedAt", "createdAt"), order=order,
                     shipment=shipment, rows=rows, customer=customer, mapped=mapped, context=context)


def _document(*, source: dict, what: str, sign: Decimal, reference: str, date_keys: tuple[str, ...], order: dict,
              shipment: dict, rows: list[InvoiceRow], customer: Customer, mapped: dict, context: MappingContext,
              credit_of: str = "") -> Invoice:
    """The document for a shipment (sign +1) or a return (sign -1), checked against Centra's total."""
    grand_total = required_total(source, what)
    currency = currency_of(order)
    expected = sign * decimal(grand_total, f"{what} grandTotal")
    rows = settle_rounding(rows, expected, context.bookkeeping, what=what, currency=currency)
    return Invoice(
        external_reference=reference,
        customer=customer,
        currency=currency,
        invoice_date=_date(source, date_keys, what),
        rows=rows,
        order_number=text(order.get("number")),
        shipment_number=text(shipment.get("number")),
        currency_rate=_rate(grand_total, currency, context),
        fields=mapped.get("Invoice", {}),
        credit_of=credit_of,
    )


def _rate(grand_total: dict, currency: str, context: MappingContext) -> Decimal | None:
    if currency == context.bookkeeping.home_currency or not grand_total.get("conversionRate"):
        return None
    return decimal(grand_total.get("conversionRate"), "conversionRate")


@malformed_is_invalid("return")
def credit_invoice_from_return(ret: dict, context: MappingContext, original_invoice: str) -> Invoice:
    """Map one Centra return to a credit invoice of the shipment's invoice `original_invoice`."""
    order = obj(ret.get("order"), "return order")
    shipment = obj(ret.get("shipment"), "return shipment")
    mapped = context.mappings.apply({**order, "shipment": shipment, "return": ret})
    customer = customer_from_order(order, mapped.get("Customer", {}))
    booking = booking_of(customer, context)
    lines_by_id = {line.get("id"): line for line in order.get("lines") or []}
    rows: list[InvoiceRow] = []
    goods_by_vat: dict[Decimal, Decimal] = defaultdict(Decimal)
    for return_line in ret.get("lines") or []:
        order_line = lines_by_id.get(obj(return_line.get("orderLine"), "return line orderLine").get("id"))
        if order_line is None:
            raise SyncError("invalid_source_data", f"Return line {return_line.get('id')} has no order line.")
        row, centra_vat = line_row(order_line, -quantity_of(return_line, "Return line"), booking)
        rows.append(row)
        goods_by_vat[centra_vat] += -row.total
    if not rows:
        raise SyncError("invalid_source_data", f"Return {ret.get('id')} has no lines.")
    totals = obj(ret.get("totals"), "return totals")
    rate = main_rate(goods_by_vat)
    for label, key in (("Shipping refunded", "shipping"), ("Handling refunded", "handling")):
        amount = decimal(totals.get(key), f"return {key}")
        if amount:
            account, vat = booking.freight(rate)
            rows.append(InvoiceRow(label, -ONE, amount, vat, account=account))
    # The voucher value taken back re-adds the original discount rows, in the same proportions.
    taken_back = abs(decimal(totals.get("discounts"), "return discounts"))
    rows.extend(discount_rows(taken_back, goods_by_vat, booking, sign=-ONE, label="Discount reversed"))
    fee = decimal(totals.get("returnCost"), "return returnCost")
    if fee:
        account, vat = booking.return_fee(rate)
        rows.append(InvoiceRow("Return fee", ONE, fee, vat, account=account,
                               article_number=context.bookkeeping.return_fee_article))
    return _document(source=ret, what=f"Return {ret.get('id')}", sign=-ONE, reference=return_reference(ret),
                     date_keys=("updatedAt", "createdAt"), order=order, shipment=shipment, rows=rows,
                     customer=customer, mapped=mapped, context=context, credit_of=original_invoice)
