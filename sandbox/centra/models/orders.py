"""Orders, their lines and payments, shipments and returns.

Amounts are stored VAT-inclusive in the order currency, as a Swedish DTC tenant keeps them.
Quantities shipped/returned are not stored on the order line: they are the sums of the shipment
and return lines, so they can never drift.
"""

from django.db import models
from django.db.models import F, Q

from .catalog import Customer, ProductSize
from .tenant import Channel, Market, Pricelist, Store

MONEY = {"max_digits": 14, "decimal_places": 2}
ORDER_STATUSES = ("PENDING", "CONFIRMED", "PROCESSING", "SHIPPED", "ARCHIVED", "CANCELLED")


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        CONFIRMED = "CONFIRMED"
        PROCESSING = "PROCESSING"
        SHIPPED = "SHIPPED"
        ARCHIVED = "ARCHIVED"
        CANCELLED = "CANCELLED"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="orders")
    hash_id = models.CharField(max_length=32, unique=True)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    is_on_hold = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False, help_text="Set by setOrdersLock: handled through the API only.")
    is_internal = models.BooleanField(default=False, help_text="An internal (e.g. staff or replacement) order.")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    email = models.EmailField(blank=True)
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="orders")
    pricelist = models.ForeignKey(Pricelist, on_delete=models.PROTECT, related_name="orders")
    currency = models.CharField(max_length=3)
    conversion_rate = models.DecimalField(max_digits=14, decimal_places=6, default=1)
    shipping = models.DecimalField(**MONEY, default=0)
    handling = models.DecimalField(**MONEY, default=0)
    voucher_discount = models.DecimalField(**MONEY, default=0, help_text="Positive amount taken off.")
    shipping_tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=25)
    billing_address = models.JSONField(default=dict)
    shipping_address = models.JSONField(default=dict)
    payment_method = models.CharField(max_length=64, default="Klarna Checkout")
    created_at = models.DateTimeField()
    order_date = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="centra_order_unique_number"),
            models.CheckConstraint(condition=Q(status__in=ORDER_STATUSES),
                                   name="centra_order_status_valid"),
            models.CheckConstraint(condition=Q(shipping__gte=0, handling__gte=0, voucher_discount__gte=0),
                                   name="centra_order_amounts_not_negative"),
            models.CheckConstraint(condition=Q(conversion_rate__gt=0), name="centra_order_rate_positive"),
        ]

    def __str__(self):
        return f"order {self.number}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    size = models.ForeignKey(ProductSize, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(max_length=255)
    variant_name = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField(help_text="Current quantity; cancelling reduces it.")
    cancelled_quantity = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(**MONEY)
    original_price = models.DecimalField(**MONEY)
    tax_percent = models.DecimalField(max_digits=5, decimal_places=2, default=25)
    comment = models.TextField(blank=True, help_text="The buyer's comment on the line.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gte=0, original_price__gte=F("unit_price")),
                                   name="centra_orderline_prices_valid"),
        ]

    def __str__(self):
        return f"{self.product_name} x{self.quantity}"


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    seq = models.PositiveIntegerField(help_text="The n in the shipment number <orderNumber>-<n>.")
    is_good_to_go = models.BooleanField(default=False)
    is_paid = models.BooleanField(default=False)
    paid_at = models.DateTimeField(null=True, blank=True)
    is_captured = models.BooleanField(default=False)
    captured_at = models.DateTimeField(null=True, blank=True)
    is_shipped = models.BooleanField(default=False)
    shipped_at = models.DateTimeField(null=True, blank=True)
    tracking_number = models.CharField(max_length=128, blank=True)
    return_tracking_number = models.CharField(max_length=128, blank=True)
    carrier_name = models.CharField(max_length=128, blank=True)
    service_name = models.CharField(max_length=128, blank=True)
    number_of_packages = models.PositiveIntegerField(default=0)
    additional_message = models.TextField(blank=True)
    shipping = models.DecimalField(**MONEY, default=0, help_text="Order shipping charged on this shipment.")
    voucher_discount = models.DecimalField(**MONEY, default=0, help_text="Order voucher allocated here.")
    internal_shipping_cost = models.DecimalField(**MONEY, null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="centra_shipment_unique_seq"),
            models.CheckConstraint(condition=Q(is_shipped=False) | Q(is_good_to_go=True, is_paid=True),
                                   name="centra_shipment_shipped_needs_gtg_and_paid"),
            models.CheckConstraint(condition=Q(is_captured=False) | Q(is_paid=True),
                                   name="centra_shipment_captured_is_paid"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"{self.order.number}-{self.seq}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shipment", "order_line"], name="centra_shipmentline_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="centra_shipmentline_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.order_line_id} x{self.quantity}"


class Return(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        COMPLETED = "COMPLETED"

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    comment = models.TextField(blank=True)
    shipping_refund = models.DecimalField(**MONEY, default=0)
    handling_refund = models.DecimalField(**MONEY, default=0)
    return_cost = models.DecimalField(**MONEY, default=0, help_text="Fee charged to the customer.")
    voucher_value = models.DecimalField(**MONEY, default=0, help_text="Voucher value taken back.")
    returned_to_stock = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=("PENDING", "COMPLETED")), name="centra_return_status"),
            models.CheckConstraint(
                condition=Q(shipping_refund__gte=0, handling_refund__gte=0, return_cost__gte=0, voucher_value__gte=0),
                name="centra_return_amounts_not_negative",
            ),
        ]

    def __str__(self):
        return f"return {self.pk}"

    @property
    def order(self) -> Order:
        return self.shipment.order


class ReturnLine(models.Model):
    return_obj = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines", db_column="return_id")
    shipment_line = models.ForeignKey(ShipmentLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["return_obj", "shipment_line"], name="centra_returnline_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="centra_returnline_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.shipment_line_id} x{self.quantity}"


class PaymentHistoryEntry(models.Model):
    class EntryType(models.TextChoices):
        AUTH = "AUTH"
        CAPTURE = "CAPTURE"
        CAPTURE_REQUEST = "CAPTURE_REQUEST"
        CANCEL = "CANCEL"
        CANCEL_REQUEST = "CANCEL_REQUEST"
        REFUND = "REFUND"

    class Status(models.TextChoices):
        SUCCESS = "SUCCESS"
        PENDING = "PENDING"
        FAILED = "FAILED"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payment_history")
    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="payment_history")
    return_obj = models.ForeignKey(Return, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="refund_payment_history", db_column="return_id")
    entry_type = models.CharField(max_length=16, choices=EntryType.choices)
    status = models.CharField(max_length=8, choices=Status.choices)
    value = models.DecimalField(**MONEY)
    payment_method = models.CharField(max_length=64)
    external_reference = models.CharField(max_length=64, blank=True)
    params_json = models.TextField(default="{}")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=("SUCCESS", "PENDING", "FAILED")),
                                   name="centra_payment_status_valid"),
        ]

    def __str__(self):
        return f"{self.entry_type} {self.status} {self.value}"
