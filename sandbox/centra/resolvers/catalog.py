"""Products, variants, sizes (with derived SKUs and stock totals) and customers."""

from ..models import Customer, Product, ProductSize, ProductVariant
from ..services import stock
from ..services.setup import sizes_with_sku
from .common import date_range, one_or_many, require, sort_fields, string_match
from .common import page as paginate

SORT = {"id": "pk", "createdAt": "created_at", "updatedAt": "updated_at"}


def filter_products(products, where: dict | None):
    where = where or {}
    products = one_or_many(products, "pk", where.get("id"))
    products = one_or_many(products, "status", where.get("status"))
    products = one_or_many(products, "product_number", where.get("productNumber"))
    return date_range(products, "updated_at", where.get("updatedAt"))


def filter_customers(customers, where: dict | None):
    where = where or {}
    customers = one_or_many(customers, "pk", where.get("id"))
    customers = string_match(customers, "email", where.get("email"))
    return date_range(customers, "updated_at", where.get("updatedAt"))


def resolve_products(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Product:read")
    products = filter_products(Product.objects.filter(store=info.context.store), where)
    return paginate(products.order_by(*sort_fields(sort, SORT)), info, limit, page)


def resolve_product_variants(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "ProductVariant:read")
    where = where or {}
    variants = ProductVariant.objects.filter(product__store=info.context.store).select_related("product")
    variants = one_or_many(variants, "pk", where.get("id"))
    variants = one_or_many(variants, "status", where.get("status"))
    variants = date_range(variants, "updated_at", where.get("updatedAt"))
    return paginate(variants.order_by(*sort_fields(sort, SORT)), info, limit, page)


def resolve_product_sizes(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "ProductSize:read")
    where = where or {}
    sizes = sizes_with_sku(info.context.store).select_related("variant__product")
    sizes = one_or_many(sizes, "pk", where.get("id"))
    sizes = one_or_many(sizes, "derived_sku", where.get("SKU"))
    sizes = one_or_many(sizes, "ean", where.get("EAN"))
    sizes = one_or_many(sizes, "upc", where.get("UPC"))
    return paginate(sizes.order_by(*sort_fields(sort, SORT)), info, limit, page)


def resolve_customers(_root, info, where=None, sort=None, limit=None, page=None):
    require(info, "Customer:read")
    customers = filter_customers(Customer.objects.filter(store=info.context.store), where)
    return paginate(customers.order_by(*sort_fields(sort, SORT)), info, limit, page)


def _stock_totals(size: ProductSize, info):
    require(info, "ProductSize.stockTotals:read")
    return stock.stock_totals(size)


def count_products(_counters, info, where=None):
    require(info, "Product:read")
    return filter_products(Product.objects.filter(store=info.context.store), where).count()


def count_customers(_counters, info, where=None):
    require(info, "Customer:read")
    return filter_customers(Customer.objects.filter(store=info.context.store), where).count()


def _blank_is_null(attribute):
    return lambda obj, _info: getattr(obj, attribute) or None


RESOLVERS = {
    "Query": {
        "products": resolve_products, "productVariants": resolve_product_variants,
        "productSizes": resolve_product_sizes, "customers": resolve_customers,
    },
    "Product": {"variants": lambda product, _info: list(product.variants.order_by("id"))},
    "ProductVariant": {"productSizes": lambda variant, _info: list(variant.sizes.order_by("id"))},
    "ProductSize": {
        "SKU": lambda size, _info: size.sku,
        "EAN": _blank_is_null("ean"),
        "GTIN": _blank_is_null("ean"),
        "UPC": _blank_is_null("upc"),
        "stockTotals": _stock_totals,
        "productVariant": lambda size, _info: size.variant,
        "size": lambda size, _info: {"id": size.chart_size_id, "name": size.chart_size.name},
    },
    "Customer": {"phoneNumber": _blank_is_null("phone_number"), "gender": _blank_is_null("gender")},
    "Counters": {"products": count_products, "customers": count_customers},
}
