"""Products, variants, sizes, prices, stock and customers.

Nothing here is unique beyond the primary key on purpose: real tenants have duplicate and empty
SKUs, missing EANs and the same customer email twice (centra.md §6, §8.7).
"""

from django.db import models
from django.db.models import Q

from .tenant import Pricelist, Store, Warehouse

PRODUCT_STATUSES = ("ACTIVE", "INACTIVE", "CANCELLED", "ARCHIVED")


class Product(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    product_number = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=16, default="ACTIVE")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PRODUCT_STATUSES), name="centra_product_status_valid")
        ]

    def __str__(self):
        return self.name


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    variant_number = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=16, default="ACTIVE")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PRODUCT_STATUSES), name="centra_variant_status_valid")
        ]

    def __str__(self):
        return self.name


DEFAULT_SIZE_CHART = "Standard"


class Size(models.Model):
    """One size of a size chart (e.g. "38" of "Coats"); a variant activates it as a ProductSize (§3.5)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="sizes")
    chart = models.CharField(max_length=128, default=DEFAULT_SIZE_CHART, help_text="The size chart's name.")
    name = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "chart", "name"], name="centra_size_unique_in_chart"),
        ]

    def __str__(self):
        return f"{self.chart}|{self.name}"


class ProductSize(models.Model):
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="sizes")
    chart_size = models.ForeignKey(Size, on_delete=models.PROTECT, related_name="product_sizes")
    description = models.CharField(max_length=64, help_text="The size name, e.g. 38 or One Size.")
    size_number = models.CharField(max_length=64, blank=True)
    ean = models.CharField(max_length=32, blank=True)
    upc = models.CharField(max_length=32, blank=True)
    preorder = models.BooleanField(default=False, help_text="Sold before it is in stock.")

    def __str__(self):
        return self.sku

    @property
    def sku(self) -> str:
        """Centra derives the read-only SKU: productNumber + variantNumber + sizeNumber."""
        variant = self.variant
        return f"{variant.product.product_number}{variant.variant_number}{self.size_number}"


class Stock(models.Model):
    """Physical stock of one size in one warehouse; Centra computes FTA from it."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    size = models.ForeignKey(ProductSize, on_delete=models.CASCADE, related_name="stock")
    physical_quantity = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "size"], name="centra_stock_one_row_per_size"),
            models.CheckConstraint(condition=Q(physical_quantity__gte=0), name="centra_stock_not_negative"),
        ]

    def __str__(self):
        return f"{self.size_id}@{self.warehouse_id}: {self.physical_quantity}"


class StockChange(models.Model):
    class Kind(models.TextChoices):
        SET = "SET"
        CHANGE = "CHANGE"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="stock_changes")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock_changes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    description = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.kind} stock change {self.pk}"


class Customer(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    email = models.EmailField()
    first_name = models.CharField(max_length=128, blank=True)
    last_name = models.CharField(max_length=128, blank=True)
    phone_number = models.CharField(max_length=32, blank=True)
    gender = models.CharField(max_length=16, blank=True)
    is_registered = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self):
        return self.email


class Price(models.Model):
    """A variant's price on one pricelist: Centra prices variants, not sizes (centra.md §3.7).

    [?] SIMULATED: the API shape of prices is not documented; see `prices` in schema.graphql.
    """

    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="prices")
    pricelist = models.ForeignKey(Pricelist, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "pricelist"], name="centra_price_one_per_pricelist"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="centra_price_not_negative"),
        ]

    def __str__(self):
        return f"{self.variant_id}@{self.pricelist_id}: {self.amount}"
