"""The demo's catalog flows: Fortnox stock -> Centra and Centra sizes -> Fortnox articles.

Adds to the demo world (see `sandbox.demo`) what shows every rule of the two flows:
- a Centra warehouse "Main" whose stock differs from Fortnox's (the first stock run corrects it,
  and a nightly reconciliation finds nothing left to correct);
- SKU WC100CAM38 on the active Wool Coat and on an inactive older collection: stock goes to the
  active one, and the products flow links both sizes to one article, naming the collision;
- a gift card without a SKU but with an EAN: the stock flow finds it by EAN, the products flow
  refuses it (`missing_sku`);
- a Fortnox-only service article, gift wrapping: no Centra size has it (`sku_not_in_centra`);
- prices on Centra's SEK pricelist, which the products flow writes to Fortnox price list "A"
  (price per variant, so every shirt size gets the shirt's price); the older coat has none.

Idempotent: what exists is left as it is (stock levels, prices and flow options included).
"""

from django.db import transaction

from integrations.models import Flow, Integration

from .centra import services as centra
from .centra.models import Price, Store
from .centra.services.setup import sizes_with_sku
from .fortnox import services as fortnox
from .fortnox.models import AccessToken, Tenant
from .fortnox.oauth import hash_token

GIFT_CARD_EAN = "7350012349991"
STOCK_OPTIONS = {"warehouse": "Main", "match_on": "sku_then_ean", "reconcile_cron": "0 3 * * *"}
PRICELIST = "SEK"
PRODUCTS_OPTIONS = {"direction": "centra_to_fortnox", "article_type": "STOCK", "pricelist": PRICELIST,
                    "price_list": "A"}
# Prices on Centra's SEK pricelist by product name (its active variants), as the demo orders charge.
CENTRA_PRICES = {"Wool Coat": "1500", "Wool Scarf": "149", "Linen Shirt": "399", "Wool Socks": "129",
                 "Canvas Tote": "249", "Gift Card": "500"}
# Centra's physical stock before the first run; Fortnox has 25 of each demo article.
CENTRA_STOCK = {"WC100CAM38": 20, "LS300WHTS": 40, "WS200": 25}


def store_of(integration: Integration) -> Store:
    """The sandbox store the integration's Centra connection points at (…/sandbox/centra/<slug>)."""
    return Store.objects.get(slug=integration.source.base_url.rstrip("/").rsplit("/", 1)[-1])


def tenant_of(integration: Integration) -> Tenant:
    """The Fortnox company that issued the integration's Fortnox tokens."""
    token = integration.target.credentials.get("access_token", "")
    return AccessToken.objects.select_related("tenant").get(token_hash=hash_token(token)).tenant


def _centra_catalog(store: Store) -> None:
    if not store.products.filter(product_number="WC100", status="INACTIVE").exists():
        centra.create_product(store, "WC100", "Wool Coat (AW23 collection)", status="INACTIVE", variants=[
            {"variant_number": "CAM", "name": "Camel", "sizes": [
                {"name": "38", "size_number": "38", "ean": "7350012345678"}]}])
    if not store.products.filter(name="Gift Card").exists():
        centra.create_product(store, "", "Gift Card", variants=[
            {"variant_number": "", "name": "500 SEK", "sizes": [{"name": "One Size", "ean": GIFT_CARD_EAN}]}])


def _centra_stock(store: Store) -> None:
    """Stock that differs from Fortnox's, set once, when the warehouse is new."""
    if store.warehouses.filter(name="Main").exists():
        return
    warehouse = centra.create_warehouse(store, "Main")
    for sku, quantity in CENTRA_STOCK.items():
        active = sizes_with_sku(store).filter(derived_sku=sku, variant__product__status="ACTIVE").first()
        centra.set_stock(store, warehouse, active, quantity)
    older = sizes_with_sku(store).filter(derived_sku="WC100CAM38", variant__product__status="INACTIVE")
    centra.set_stock(store, warehouse, older.get(), 5)


def _centra_prices(store: Store) -> None:
    """Each active demo product's price on the SEK pricelist, set once per variant."""
    if not store.pricelists.filter(name=PRICELIST).exists():
        centra.create_market(store, "SE", country_codes=("SE",), currency="SEK")  # as a Swedish order does
    pricelist = store.pricelists.get(name=PRICELIST)
    for name, amount in CENTRA_PRICES.items():
        for product in store.products.filter(name=name, status="ACTIVE"):
            for variant in product.variants.all():
                if not Price.objects.filter(variant=variant, pricelist=pricelist).exists():
                    centra.set_price(store, variant, PRICELIST, amount)


def _fortnox_articles(tenant: Tenant) -> None:
    fortnox.create_article(tenant, "GIFTCARD500", "Gift card 500 SEK", ean=GIFT_CARD_EAN, quantity_in_stock=50)
    fortnox.create_article(tenant, "GIFTWRAP", "Gift wrapping", quantity_in_stock=0, type="SERVICE")


@transaction.atomic
def seed_stock_and_products(integration: Integration) -> tuple[Flow, Flow]:
    """Seed the demo catalog and enable the stock and products flows; returns (stock, products)."""
    store = store_of(integration)
    _centra_catalog(store)
    _centra_stock(store)
    _centra_prices(store)
    _fortnox_articles(tenant_of(integration))
    stock, _ = Flow.objects.get_or_create(
        integration=integration, kind=Flow.Kind.STOCK,
        defaults={"enabled": True, "schedule_minutes": 15, "options": STOCK_OPTIONS},
    )
    products, _ = Flow.objects.get_or_create(
        integration=integration, kind=Flow.Kind.PRODUCTS,
        defaults={"enabled": True, "schedule_minutes": 60, "options": PRODUCTS_OPTIONS},
    )
    return stock, products
