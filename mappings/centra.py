"""Centra records -> domain documents (the default mapping for a standard Centra shop).

A shipment becomes one invoice: every shipped line with quantity, unit price, discount and VAT;
the shipment's shipping as freight; its share of order-level discounts (vouchers) as discount
rows per VAT rate, so the invoice total equals what Centra captured for the shipment.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from integrations.documents import Address, Customer, Invoice, InvoiceRow
from integrations.errors import SyncError

from .transforms import money, text


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, dict):
        value = value.get("value")
    if value is None:
        return Decimal("0")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise SyncError("invalid_source_data", f"{what} is not a number: {value!r}") from exc
    if not number.is_finite():
        raise SyncError("invalid_source_data", f"{what} is not a finite number: {value!r}")
    return number


def _obj(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SyncError("invalid_source_data", f"{what} should be an object, got {type(value).__name__}.")
    return value


def shipment_reference(shipment: dict) -> str:
    """What we write into the ERP document to find it again: stable, unique, short."""
    return f"centra-shipment-{shipment['id']}"


def _full_name(person: dict) -> str:
    return " ".join(p for p in (text(person.get("firstName")), text(person.get("lastName"))) if p).strip()


def _address(raw: dict, what: str, name: str) -> Address:
    country = _obj(raw.get("country"), f"{what}.country")
    return Address(
        name=name,
        address1=text(raw.get("address1")),
        address2=text(raw.get("address2")),
        zip_code=text(raw.get("zipCode")),
        city=text(raw.get("city")),
        country_code=text(country.get("code")).upper(),
        phone=text(raw.get("phoneNumber")),
    )


def customer_from_order(order: dict) -> Customer:
    billing = _obj(order.get("billingAddress"), "billingAddress")
    buyer = _obj(order.get("customer"), "customer")
    email = text(billing.get("email") or buyer.get("email")).strip()
    if not email or "@" not in email:
        raise SyncError(
            "customer_missing_email",
            f"Order {order.get('number')} has no usable customer e-mail ({email!r}).",
        )
    country = _obj(billing.get("country"), "billingAddress.country")
    company = text(billing.get("companyName")).strip()
    name = company or _full_name(billing) or _full_name(buyer) or email
    source_id = f"centra-customer-{buyer['id']}" if buyer.get("id") else f"email-{email.lower()}"
    return Customer(
        source_id=source_id,
        email=email,
        name=name,
        is_company=bool(company),
        vat_number=text(billing.get("vatNumber")),
        currency=_currency(order),
        country_is_eu=country.get("isEU"),
        address=_address(billing, "billingAddress", name),
    )


def _currency(order: dict) -> str:
    total = _obj(order.get("grandTotal"), "grandTotal")
    code = text(_obj(total.get("currency"), "grandTotal.currency").get("code")).upper()
    if not code:
        raise SyncError("invalid_source_data", f"Order {order.get('number')} has no currency.")
    return code


def _invoice_date(shipment: dict) -> date:
    for key in ("shippedAt", "createdAt"):
        value = shipment.get(key)
        if value:
            try:
                # Centra sends +02:00 and, in older answers, +0200: fromisoformat reads both.
                return datetime.fromisoformat(str(value).replace(" ", "T")).date()
            except ValueError as exc:
                raise SyncError("invalid_source_data", f"Shipment {key} is not a date: {value!r}") from exc
    raise SyncError("invalid_source_data", "Shipment has neither shippedAt nor createdAt.")


def _line_row(order_line: dict, quantity: Decimal) -> InvoiceRow:
    size = _obj(order_line.get("productSize"), "orderLine.productSize")
    sku = text(size.get("SKU")).strip()
    names = (text(order_line.get("productName")), text(order_line.get("productVariantName")))
    description = " ".join(p for p in names if p)
    if not sku:
        raise SyncError("missing_sku", f"Order line {order_line.get('id')} ({description}) has no SKU.")
    unit_price = _decimal(order_line.get("unitPrice"), "unitPrice")
    original = _decimal(order_line.get("unitOriginalPrice"), "unitOriginalPrice") or unit_price
    discount = _decimal(order_line.get("discountPercent"), "discountPercent")
    vat = _decimal(order_line.get("taxPercent"), "taxPercent")
    if unit_price < 0 or not (0 <= vat <= 100) or not (0 <= discount <= 100):
        raise SyncError(
            "invalid_source_data", f"Order line {order_line.get('id')} has an impossible price, VAT or discount."
        )
    row = InvoiceRow(description or sku, quantity, original, vat, article_number=sku, discount_percent=discount)
    # Show the discount when Fortnox's percentage arithmetic lands on Centra's price to the öre;
    # otherwise invoice the discounted price itself so the total stays exact.
    if row.total != money(unit_price * quantity):
        row = InvoiceRow(description or sku, quantity, unit_price, vat, article_number=sku)
    return row


def _discount_rows(amount: Decimal, goods_by_vat: dict[Decimal, Decimal], settings: dict) -> list[InvoiceRow]:
    """Split an order-level discount over the VAT rates of the goods, in proportion, to the öre."""
    if not amount:
        return []
    total_goods = sum(goods_by_vat.values())
    rates = sorted(goods_by_vat)
    rows, left = [], amount
    for index, rate in enumerate(rates):
        share = left if index == len(rates) - 1 else money(amount * goods_by_vat[rate] / total_goods)
        left -= share
        rows.append(InvoiceRow(
            description=f"{settings.get('discount_description', 'Discount')} {rate.normalize()}% VAT",
            quantity=Decimal("1"),
            unit_price=-share,
            vat_percent=rate,
            article_number=settings.get("discount_article", ""),
            account=settings.get("discount_account"),
        ))
    return rows


def invoice_from_shipment(order: dict, shipment: dict, settings: dict) -> Invoice:
    """Map one Centra shipment of `order` to an invoice document."""
    lines_by_id = {line.get("id"): line for line in order.get("lines") or []}
    rows: list[InvoiceRow] = []
    goods_by_vat: dict[Decimal, Decimal] = defaultdict(Decimal)
    for shipment_line in shipment.get("lines") or []:
        order_line_id = _obj(shipment_line.get("orderLine"), "shipment line orderLine").get("id")
        order_line = lines_by_id.get(order_line_id)
        if order_line is None:
            raise SyncError(
                "invalid_source_data",
                f"Shipment line {shipment_line.get('id')} points to unknown order line {order_line_id}.",
            )
        quantity = _decimal(shipment_line.get("quantity"), "shipped quantity")
        if quantity <= 0 or quantity != quantity.to_integral_value():
            raise SyncError("invalid_source_data", f"Shipment line {shipment_line.get('id')} has quantity {quantity}.")
        row = _line_row(order_line, quantity)
        rows.append(row)
        goods_by_vat[row.vat_percent] += row.total
    if not rows:
        raise SyncError("invalid_source_data", f"Shipment {shipment.get('number')} has no lines.")
    totals = _obj(shipment.get("totals"), "shipment totals")
    shipping = _decimal(totals.get("shipping"), "shipment shipping")
    # Centra's sign for discounts is not documented; a discount always lowers the total.
    discount = abs(_decimal(totals.get("discounts"), "shipment discounts"))
    rows.extend(_discount_rows(discount, goods_by_vat, settings))
    grand_total = _obj(shipment.get("grandTotal"), "shipment grandTotal")
    currency = _currency(order)
    rate = _decimal(grand_total.get("conversionRate"), "conversionRate") if grand_total.get("conversionRate") else None
    shipping_address = _obj(order.get("shippingAddress"), "shippingAddress")
    delivery = _address(shipping_address, "shippingAddress", _full_name(shipping_address)) if shipping_address else None
    invoice = Invoice(
        external_reference=shipment_reference(shipment),
        customer=customer_from_order(order),
        currency=currency,
        invoice_date=_invoice_date(shipment),
        rows=rows,
        order_number=text(order.get("number")),
        shipment_number=text(shipment.get("number")),
        freight=shipping,
        prices_include_vat=True,
        remarks=f"Centra order {order.get('number')}, shipment {shipment.get('number')}",
        currency_rate=rate if currency != settings.get("home_currency", "SEK") else None,
        delivery_address=delivery,
        expected_total=_decimal(grand_total, "shipment grandTotal") if grand_total else None,
    )
    if invoice.expected_total is not None and invoice.total != money(invoice.expected_total):
        raise SyncError(
            "total_mismatch",
            f"Shipment {shipment.get('number')}: rows add up to {invoice.total} but Centra's total is "
            f"{invoice.expected_total} {currency}.",
        )
    return invoice
