"""Physical stock per size and warehouse, and the totals Centra derives from it."""

from django.db import transaction
from django.db.models import F, Sum

from ..errors import UserError
from ..models import Order, OrderLine, ProductSize, ProductVariant, Stock, StockChange, Store, Warehouse
from .ledger import left_to_ship

OPEN_STATUSES = (Order.Status.PENDING, Order.Status.CONFIRMED, Order.Status.PROCESSING)


def set_stock(store: Store, warehouse: Warehouse, size: ProductSize, quantity: int) -> Stock:
    """Set the physical quantity of one size in one warehouse."""
    if warehouse.store_id != store.pk:
        raise ValueError(f"Warehouse {warehouse} is not in {store}")
    stock, _ = Stock.objects.update_or_create(warehouse=warehouse, size=size,
                                              defaults={"physical_quantity": quantity})
    return stock


def adjust_stock(warehouse: Warehouse, size: ProductSize, delta: int) -> None:
    stock, _ = Stock.objects.get_or_create(warehouse=warehouse, size=size)
    Stock.objects.filter(pk=stock.pk).update(physical_quantity=F("physical_quantity") + delta)


def unshipped_quantity(size: ProductSize) -> int:
    lines = OrderLine.objects.filter(size=size, order__status__in=OPEN_STATUSES)
    return sum(left_to_ship(line) for line in lines)


def stock_totals(size: ProductSize, warehouse: Warehouse | None = None) -> dict:
    """Centra's `stockTotals`: FTA = physical minus what open orders still need."""
    stock = Stock.objects.filter(size=size)
    if warehouse is not None:
        stock = stock.filter(warehouse=warehouse)
    physical = stock.aggregate(total=Sum("physical_quantity"))["total"] or 0
    unshipped = unshipped_quantity(size)
    return {
        "physicalQuantity": physical,
        "unshippedQuantity": unshipped,
        "allocatedQuantity": min(physical, unshipped),
        "demandQuantity": max(0, unshipped - physical),
        "availableQuantity": max(0, physical - unshipped),
        "onDeliveryQuantity": 0,
        "linkedIncomingQuantity": 0,
        "unlinkedIncomingQuantity": 0,
    }


def _warehouse(store: Store, ref: dict | None, path) -> Warehouse:
    warehouse = store.warehouses.filter(pk=(ref or {}).get("id")).first()
    if warehouse is None:
        raise UserError(f"Could not find warehouse with ID {(ref or {}).get('id')}", path)
    return warehouse


def _variant(store: Store, ref: dict, path) -> ProductVariant:
    variant = ProductVariant.objects.filter(product__store=store, pk=(ref or {}).get("id")).first()
    if variant is None:
        raise UserError(f"Could not find product variant with ID {(ref or {}).get('id')}", path)
    return variant


def _size(variant: ProductVariant, ref: dict, path) -> ProductSize:
    sizes = variant.sizes.all()
    size = sizes.filter(pk=ref["id"]).first() if ref.get("id") else sizes.filter(description=ref.get("name")).first()
    if size is None:
        raise UserError(f"Size {ref.get('id') or ref.get('name')} is not activated on variant {variant.pk}", path)
    return size


@transaction.atomic
def set_stock_levels(store: Store, data: dict) -> StockChange:
    """The setStock mutation: absolute PHYSICAL or FREE_TO_ALLOCATE levels per size."""
    warehouse = _warehouse(store, data.get("warehouse"), ("input", "warehouse"))
    free_to_allocate = data.get("stockQuantityType") == "FREE_TO_ALLOCATE"
    change = StockChange.objects.create(store=store, warehouse=warehouse, kind=StockChange.Kind.SET,
                                        description=data.get("description") or "")
    for v_index, item in enumerate(data.get("productVariants") or ()):
        path = ("input", "productVariants", v_index)
        variant = _variant(store, item.get("productVariant"), (*path, "productVariant"))
        for s_index, level in enumerate(item.get("sizeStockLevels") or ()):
            size_path = (*path, "sizeStockLevels", s_index)
            size = _size(variant, level.get("size") or {}, (*size_path, "size"))
            if level["quantity"] < 0:
                raise UserError("Quantity cannot be negative", (*size_path, "quantity"))
            quantity = level["quantity"] + (unshipped_quantity(size) if free_to_allocate else 0)
            set_stock(store, warehouse, size, quantity)
    return change


@transaction.atomic
def change_stock(store: Store, data: dict) -> StockChange:
    """The changeStock mutation: deliver into, take out of, or move between warehouses."""
    into = data.get("intoWarehouse") and _warehouse(store, data["intoWarehouse"], ("input", "intoWarehouse"))
    out = data.get("outFromWarehouse") and _warehouse(store, data["outFromWarehouse"], ("input", "outFromWarehouse"))
    if not into and not out:
        raise UserError("Give intoWarehouse, outFromWarehouse or both", ("input",))
    change = StockChange.objects.create(store=store, warehouse=into or out, kind=StockChange.Kind.CHANGE,
                                        description=data.get("description") or "")
    for v_index, item in enumerate(data.get("productVariants") or ()):
        path = ("input", "productVariants", v_index)
        variant = _variant(store, item.get("productVariant"), (*path, "productVariant"))
        for s_index, delta in enumerate(item.get("sizeChanges") or ()):
            size_path = (*path, "sizeChanges", s_index)
            size = _size(variant, delta.get("size") or {}, (*size_path, "size"))
            quantity = delta["deliveredQuantity"]
            if out:
                available = stock_totals(size, out)["physicalQuantity"]
                if quantity > available:
                    raise UserError(f"Only {available} of size {size.pk} in warehouse {out.pk}",
                                    (*size_path, "deliveredQuantity"))
                adjust_stock(out, size, -quantity)
            if into:
                if not out and quantity < 0 and -quantity > stock_totals(size, into)["physicalQuantity"]:
                    raise UserError("Stock cannot go below zero", (*size_path, "deliveredQuantity"))
                adjust_stock(into, size, quantity)
    return change
