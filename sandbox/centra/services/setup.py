"""Seeding a simulated tenant: stores, tokens, markets, warehouses, products, customers."""

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone

from ..models import (
    ApiToken,
    Channel,
    Customer,
    Market,
    Pricelist,
    Product,
    ProductSize,
    Size,
    Store,
    Warehouse,
)
from ..models.catalog import DEFAULT_SIZE_CHART
from ..reference import PERMISSIONS
from . import events

DEFAULT_VARIANTS = ({"variant_number": "", "name": "", "sizes": [{"name": "One Size", "size_number": ""}]},)


@transaction.atomic
def create_store(slug: str, *, name: str = "", plan: str = "growth", token: str | None = None,
                 events_enabled: bool = True, webhook_url: str = "", webhook_secret: str = "", **knobs) -> Store:
    """Create a tenant with a Retail (DTC) and a Wholesale store, idempotently by slug.

    Calling it again re-applies every knob: the ones not given go back to their defaults, and the
    API token is kept unless a new one is given.
    """
    defaults = {
        "name": name or slug, "plan": plan, "events_enabled": events_enabled,
        "webhook_url": webhook_url, "webhook_secret": webhook_secret, **knobs,
    }
    if token:
        defaults["api_token"] = token
    store, created = Store.objects.update_or_create(slug=slug, defaults=defaults)
    if created:
        Channel.objects.create(store=store, name="Retail", type=Channel.Type.DIRECT_TO_CONSUMER)
        Channel.objects.create(store=store, name="Wholesale", type=Channel.Type.WHOLESALE)
    return store


def create_token(store: Store, permissions=PERMISSIONS, *, integration_name: str = "Junipeer",
                 description: str = "", channel: Channel | None = None, token: str | None = None) -> ApiToken:
    """An extra token with only `permissions`, optionally restricted to one Centra store."""
    extra = {"token": token} if token else {}
    return ApiToken.objects.create(
        store=store, permissions=list(permissions), integration_name=integration_name,
        description=description, channel=channel, **extra,
    )


@transaction.atomic
def create_market(store: Store, name: str, *, country_codes=("SE",), currency: str = "SEK") -> Market:
    """A market and the pricelist of its currency (extended to the market's countries)."""
    market, _ = Market.objects.update_or_create(
        store=store, name=name, defaults={"country_codes": list(country_codes)}
    )
    pricelist, _ = Pricelist.objects.get_or_create(store=store, name=currency, defaults={"currency": currency})
    pricelist.country_codes = sorted({*pricelist.country_codes, *country_codes})
    pricelist.save(update_fields=["country_codes"])
    return market


def create_warehouse(store: Store, name: str) -> Warehouse:
    warehouse, _ = Warehouse.objects.get_or_create(store=store, name=name)
    return warehouse


@transaction.atomic
def create_product(store: Store, product_number: str, name: str, *, status: str = "ACTIVE",
                   variants=DEFAULT_VARIANTS) -> Product:
    """A product with its variants and activated sizes. Duplicate numbers are allowed on purpose.

    Variant specs: {"variant_number", "name", "status", "size_chart", "sizes"}; size specs: {"name",
    "size_number", "ean", "upc", "preorder"}. Sizes of the same chart and name are one Centra size.
    """
    now = timezone.now()
    product = Product.objects.create(
        store=store, product_number=product_number, name=name, status=status, created_at=now, updated_at=now
    )
    for spec in variants:
        variant = product.variants.create(
            variant_number=spec.get("variant_number", ""), name=spec.get("name", ""),
            status=spec.get("status", status), updated_at=now,
        )
        chart = spec.get("size_chart") or DEFAULT_SIZE_CHART
        for size in spec.get("sizes", ()):
            name = size.get("name", "")
            chart_size, _ = Size.objects.get_or_create(store=store, chart=chart, name=name)
            variant.sizes.create(
                chart_size=chart_size, description=name, size_number=size.get("size_number", ""),
                ean=size.get("ean") or "", upc=size.get("upc") or "", preorder=bool(size.get("preorder")),
            )
    events.emit(store, "Product", "CREATED", product)
    return product


def create_customer(store: Store, email: str, first_name: str, last_name: str, **fields) -> Customer:
    """A DTC customer. The same email may exist twice (registered + guest), as in real tenants."""
    now = timezone.now()
    fields.setdefault("created_at", now)
    fields.setdefault("updated_at", now)
    return Customer.objects.create(store=store, email=email, first_name=first_name, last_name=last_name, **fields)


def sizes_with_sku(store: Store):
    """Sizes of the store annotated with Centra's derived SKU as `derived_sku`."""
    return ProductSize.objects.filter(variant__product__store=store).annotate(
        derived_sku=Concat(
            "variant__product__product_number", "variant__variant_number", "size_number", Value("")
        )
    )


def size_by_sku(store: Store, sku: str) -> ProductSize:
    """The oldest size with this SKU; SKUs are not unique in Centra, seed with `size=` to be exact."""
    size = sizes_with_sku(store).filter(derived_sku=sku).order_by("id").first()
    if size is None:
        raise ProductSize.DoesNotExist(f"No product size with SKU {sku!r} in {store.slug}")
    return size
