"""Centra records -> domain documents: invoices from shipments, credit invoices from returns.

A shipment becomes one invoice: every shipped line with quantity, unit price, discount and the
VAT Centra charged, the shipment's shipping and its share of order-level discounts (vouchers),
both split over the goods' VAT rates, so the invoice total equals what Centra captured for the
shipment. A return becomes one credit invoice with every row needed for its total to equal the
refund: the returned lines, the voucher value taken back, refunded shipping and handling, and the
return fee on its own account. Totals are checked to the öre: a difference is `total_mismatch`,
never a rounding row (a tenant that rounds to whole units gets its RoundOff from the ERP).

Accounts come from the bookkeeping settings (`accounting.booking_for`) for an invoice, and from
that invoice's booking snapshot for its credit invoices, so a credit reverses exactly what its
invoice booked.
"""

import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from integrations.domain.documents import Customer, Invoice, InvoiceRow, company_key
from integrations.domain.errors import SyncError
from integrations.domain.money import percent_text, round_money, split

from .accounting import Booking, FrozenBooking, Posting, PostingGroupBooking, booking_for, posting_groups_for
from .models import Bookkeeping, OssAccount, PostingGroups
from .services import MappingSet, bookkeeping_for, posting_groups_of
from .transforms import text

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
    oss: dict[str, dict[Decimal, OssAccount]]  # country code -> VAT rate -> account
    posting_groups: PostingGroups | None = None  # an ERP that books by posting groups (Business Central)

    @classmethod
    def load(cls, integration, flow_kind: str, mappings: MappingSet | None = None) -> "MappingContext":
        """`mappings` replaces the saved field mappings and value maps (a preview of an unsaved edit)."""
        return cls(mappings if mappings is not None else MappingSet.for_flow(integration, flow_kind),
                   bookkeeping_for(integration),
                   oss_accounts_by_country(OssAccount.objects.filter(integration=integration)),
                   posting_groups_of(integration))


def oss_accounts_by_country(accounts) -> dict[str, dict[Decimal, OssAccount]]:
    by_country: dict[str, dict[Decimal, OssAccount]] = defaultdict(dict)
    for account in accounts:
        by_country[account.country_code.upper()][account.vat_rate] = account
    return dict(by_country)


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
    is_company = bool(text(billing.get("companyName")).strip())
    customer = customer_from_fields(
        {**fields, "Email": email},
        source_id=customer_source_id(buyer, email) if email else "",
        what=f"Order {order.get('number')}",
        currency=currency_of(order),
        is_company=is_company,
        country_is_eu=country.get("isEU"),
    )
    if not is_company:
        return customer
    # A company is one customer whoever buys for it; the buyer is its contact person.
    person = " ".join(p for p in (text(billing.get("firstName")).strip(), text(billing.get("lastName")).strip()) if p)
    return replace(customer, source_id=company_key(customer.organisation_number, customer.vat_number)
                   or customer.source_id, contact_person=person if person != customer.name else "")


def booking_of(customer: Customer, context: MappingContext) -> Booking:
    booking = booking_for(context.bookkeeping, context.oss, country_code=customer.country_code,
                          is_eu=customer.country_is_eu, is_company=customer.is_company,
                          vat_number=customer.vat_number)
    if context.posting_groups is not None:
        return PostingGroupBooking(booking.situation, context.bookkeeping, booking.country_code)
    return booking


def with_posting_groups(snapshot: dict, rows: list[InvoiceRow], customer: Customer, context: MappingContext,
                        situation: str) -> dict:
    """The snapshot with the posting groups of its situation and row rates, for an ERP that books by them."""
    if context.posting_groups is None:
        return snapshot
    country = (customer.country_code or context.bookkeeping.home_country).upper()
    groups = posting_groups_for(context.posting_groups, situation, country, [row.vat_percent for row in rows])
    return {**snapshot, "posting_groups": groups}


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
    account, booked_vat = booking.gift_card() if booking.is_gift_card(sku) else booking.goods(vat)
    row = InvoiceRow(description, quantity, original, booked_vat, article_number=sku,
                     discount_percent=discount, account=account)
    # Show the discount when Fortnox's percentage arithmetic lands on Centra's price to the öre;
    # otherwise invoice the discounted price itself so the total stays exact.
    if row.total != round_money(unit_price * quantity):
        row = InvoiceRow(description, quantity, unit_price, booked_vat, article_number=sku, account=account)
    return row, vat


def quantity_of(line: dict, what: str) -> Decimal:
    quantity = decimal(line.get("quantity"), f"{what} quantity")
    if quantity <= 0 or quantity != quantity.to_integral_value():
        raise SyncError("invalid_source_data", f"{what} {line.get('id')} has quantity {quantity}.")
    return quantity


def split_rows(amount: Decimal, goods_by_vat: dict[Decimal, Decimal], posting: Callable[[Decimal], Posting], *,
               label: str, quantity: Decimal, price_sign: Decimal = ONE, article: str = "",
               always_show_rate: bool = False) -> list[InvoiceRow]:
    """`amount` (shipping, a voucher, a fee) over the goods' VAT rates in proportion, to the öre (the
    last rate takes the rest), each share on `posting(rate)`. Shares that land on the same account
    and VAT are one row; a row's text names its VAT when there is more than one (or always)."""
    merged: dict[Posting, Decimal] = {}
    for rate, share in split(amount, goods_by_vat):
        key = posting(rate)
        merged[key] = merged.get(key, Decimal("0")) + share
    show_rate = always_show_rate or len(merged) > 1
    return [
        InvoiceRow(f"{label} ({percent_text(vat)}% VAT)" if show_rate else label, quantity, price_sign * share, vat,
                   article_number=article, account=account)
        for (account, vat), share in merged.items()
    ]


def discount_rows(amount: Decimal, goods_by_vat: dict[Decimal, Decimal], booking: Booking, *,
                  sign: Decimal, label: str, article: str) -> list[InvoiceRow]:
    """A discount lowers the goods of each VAT rate in proportion: one negative row per rate, named by it."""
    return split_rows(amount, goods_by_vat, booking.discount, label=label, quantity=sign * ONE, price_sign=-ONE,
                      article=article, always_show_rate=True)


def check_total(rows: list[InvoiceRow], expected: Decimal, *, what: str, currency: str) -> None:
    """The rows must add up to Centra's total to the öre. Nothing is plugged: a difference means the
    mapping and Centra disagree about the money, which a person has to look at."""
    total = sum((row.total for row in rows), Decimal("0"))
    if total != expected:
        raise SyncError("total_mismatch",
                        f"{what}: the rows add up to {round_money(total)} {currency} but Centra's total is "
                        f"{round_money(expected)} {currency} (a difference of {expected - total} {currency}).")


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
    bookkeeping = context.bookkeeping
    rows.extend(split_rows(shipping, goods_by_vat, booking.freight, label="Shipping", quantity=ONE,
                           article=bookkeeping.freight_article))
    # Centra's sign for discounts is not documented; a discount always lowers the total.
    discount = abs(decimal(totals.get("discounts"), "shipment discounts"))
    rows.extend(discount_rows(discount, goods_by_vat, booking, sign=ONE, label="Discount",
                              article=bookkeeping.discount_article))
    snapshot = booking.snapshot(goods_by_vat, skus=[row.article_number for row in rows if row.article_number])
    snapshot = with_posting_groups(snapshot, rows, customer, context, booking.situation)
    return _document(source=shipment, what=f"Shipment {shipment.get('number')}", sign=ONE,
                     reference=shipment_reference(shipment), date_keys=("shippedAt", "createdAt"), order=order,
                     shipment=shipment, rows=rows, customer=customer, mapped=mapped, context=context,
                     booking=snapshot)


def _document(*, source: dict, what: str, sign: Decimal, reference: str, date_keys: tuple[str, ...], order: dict,
              shipment: dict, rows: list[InvoiceRow], customer: Customer, mapped: dict, context: MappingContext,
              credit_of: str = "", booking: dict | None = None) -> Invoice:
    """The document for a shipment (sign +1) or a return (sign -1), checked against Centra's total."""
    grand_total = required_total(source, what)
    currency = currency_of(order)
    expected = sign * decimal(grand_total, f"{what} grandTotal")
    check_total(rows, expected, what=what, currency=currency)
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
        booking=booking or {},
    )


def _rate(grand_total: dict, currency: str, context: MappingContext) -> Decimal | None:
    if currency == context.bookkeeping.home_currency or not grand_total.get("conversionRate"):
        return None
    return decimal(grand_total.get("conversionRate"), "conversionRate")


@malformed_is_invalid("return")
def credit_invoice_from_return(ret: dict, context: MappingContext, original_invoice: str,
                               booking: dict | None = None) -> Invoice:
    """Map one Centra return to a credit invoice of the shipment's invoice `original_invoice`.

    `booking` is that invoice's booking snapshot (kept with its record link): the credit is booked
    on exactly its accounts and rates. Without one (an invoice made before snapshots were kept) the
    booking is worked out again from today's settings.
    """
    order = obj(ret.get("order"), "return order")
    shipment = obj(ret.get("shipment"), "return shipment")
    mapped = context.mappings.apply({**order, "shipment": shipment, "return": ret})
    customer = customer_from_order(order, mapped.get("Customer", {}))
    posting: Booking = FrozenBooking.from_snapshot(booking) if booking else booking_of(customer, context)
    lines_by_id = {line.get("id"): line for line in order.get("lines") or []}
    rows: list[InvoiceRow] = []
    goods_by_vat: dict[Decimal, Decimal] = defaultdict(Decimal)
    for return_line in ret.get("lines") or []:
        order_line = lines_by_id.get(obj(return_line.get("orderLine"), "return line orderLine").get("id"))
        if order_line is None:
            raise SyncError("invalid_source_data", f"Return line {return_line.get('id')} has no order line.")
        row, centra_vat = line_row(order_line, -quantity_of(return_line, "Return line"), posting)
        rows.append(row)
        goods_by_vat[centra_vat] += -row.total
    if not rows:
        raise SyncError("invalid_source_data", f"Return {ret.get('id')} has no lines.")
    totals = obj(ret.get("totals"), "return totals")
    bookkeeping = context.bookkeeping
    # Refunded shipping and handling reverse the invoice's shipping rows, split as the invoice split them.
    shipping_weights = posting.shipping_weights(goods_by_vat)
    for label, key in (("Shipping refunded", "shipping"), ("Handling refunded", "handling")):
        amount = decimal(totals.get(key), f"return {key}")
        rows.extend(split_rows(amount, shipping_weights, posting.freight, label=label, quantity=-ONE))
    # The voucher value taken back re-adds the original discount rows of the returned goods.
    taken_back = abs(decimal(totals.get("discounts"), "return discounts"))
    rows.extend(discount_rows(taken_back, goods_by_vat, posting, sign=-ONE, label="Discount reversed",
                              article=bookkeeping.discount_article))
    fee = decimal(totals.get("returnCost"), "return returnCost")
    rows.extend(split_rows(fee, goods_by_vat, posting.return_fee, label="Return fee", quantity=ONE,
                           article=bookkeeping.return_fee_article))
    # An ERP that books by posting groups gets the invoice's groups (or today's, for an older invoice).
    groups = (booking or {}).get("posting_groups") if booking else None
    if groups is None and context.posting_groups is not None:
        groups = with_posting_groups({}, rows, customer, context, posting.situation)["posting_groups"]
    return _document(source=ret, what=f"Return {ret.get('id')}", sign=-ONE, reference=return_reference(ret),
                     date_keys=("updatedAt", "createdAt"), order=order, shipment=shipment, rows=rows,
                     customer=customer, mapped=mapped, context=context, credit_of=original_invoice,
                     booking={"posting_groups": groups} if groups else None)
