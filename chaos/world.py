"""The data of a chaos run: a Centra store, an ERP company (Fortnox or Business Central: `erps`), and
the integration between them.

Every name carries the run's token, so a run on a database that already holds data (the demo,
an earlier run) only ever looks at its own store, tenant and integration. The data is clean on
purpose: every SKU exists in Fortnox and every capture succeeds, so every shipment must end up as
exactly one invoice, and anything else is the engine's doing, not the scenario's.
"""

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random

from django.db import transaction

from integrations.connections import set_credentials
from integrations.models import Connection, Flow, Integration, Organization
from mappings.models import Bookkeeping
from sandbox.centra import services as centra
from sandbox.centra.models import Customer, Order, Store

from .erps import erp_side

# product number, name, variant number, sizes, unit price (SEK incl. VAT)
PRODUCTS = [
    ("CT100", "Cotton Tee", "BLK", ("S", "M", "L"), "299"),
    ("CT100", "Cotton Tee", "WHT", ("S", "M", "L"), "299"),
    ("DJ200", "Denim Jacket", "IND", ("48", "50", "52"), "1499"),
    ("KB300", "Knit Beanie", "", ("",), "249"),
    ("RC400", "Rain Coat", "OLV", ("S", "M", "L", "XL"), "1895.50"),
]
# country, currency, conversion rate, VAT on goods and shipping, shipping fee
MARKETS = [
    ("SE", "SEK", "1", "25", "49"),
    ("SE", "SEK", "1", "25", "0"),
    ("NO", "NOK", "0.98", "0", "99"),  # an export: no Swedish VAT
]


@dataclass
class World:
    """Handles on what one chaos run created, for the scenario and the check."""

    token: str
    store: Store
    erp: object  # erps.FortnoxSide or erps.BusinessCentralSide
    integration: Integration
    webhook_secret: str
    rng: Random
    skus: list[tuple[str, Decimal]] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    split_orders: list[Order] = field(default_factory=list)  # ship the rest in a later wave

    @property
    def tenant(self):
        """The Fortnox tenant of a Fortnox run (the ERP side's own handle)."""
        return self.erp.tenant

    @property
    def slug(self) -> str:
        return self.integration.slug

    def flow(self, kind: str) -> Flow:
        return self.integration.flows.get(kind=kind)


@transaction.atomic
def build(site_url: str, rng: Random, *, access_token_ttl: int, customers: int, erp: str = "fortnox") -> World:
    """Create the store, the ERP company (with a short access-token life) and the live integration."""
    token = secrets.token_hex(4)
    slug = f"chaos-{token}"
    webhook_secret = secrets.token_hex(24)
    store = centra.create_store(slug, name=f"Chaos Fashion {token}", plan="growth", webhook_secret=webhook_secret)
    side = erp_side(erp, token, f"Chaos Fashion {token}", access_token_ttl)

    skus = []
    for product_number, name, variant_number, sizes, price in PRODUCTS:
        centra.create_product(store, product_number, name, variants=[{
            "variant_number": variant_number, "name": variant_number or name,
            "sizes": [{"name": size or "One Size", "size_number": size} for size in sizes]}])
        for size in sizes:
            sku = f"{product_number}{variant_number}{size}"
            side.add_item(sku, f"{name} {variant_number} {size}".strip())
            skus.append((sku, Decimal(price)))

    organization = Organization.objects.create(slug=slug, name=f"Chaos Fashion {token} AB",
                                               contact_email=f"owner@{slug}.example")
    source = Connection.objects.create(
        organization=organization, name="Centra (sandbox)", kind="centra",
        base_url=f"{site_url}/sandbox/centra/{slug}", settings={"plan": store.plan, "events": False},
    )
    set_credentials(source, api_token=store.api_token, webhook_secret=webhook_secret)
    target = side.connect(organization, site_url)
    integration = Integration.objects.create(
        slug=slug, organization=organization, name=f"Chaos {token}: Centra → {side.label}", source=source,
        target=target, status=Integration.Status.LIVE,
    )
    # Two flows on one ERP connection, so two workers share its tokens, rate limit and customers.
    # Due on every tick of the scheduler that finds them neither running nor queued (schedule 0 min).
    Flow.objects.create(integration=integration, kind=Flow.Kind.ORDERS, enabled=True,
                        trigger=Flow.Trigger.SHIPMENT_CREATED, schedule_minutes=0)
    Flow.objects.create(integration=integration, kind=Flow.Kind.CUSTOMERS, enabled=True, schedule_minutes=0)
    Bookkeeping.objects.get_or_create(integration=integration)

    world = World(token=token, store=store, erp=side, integration=integration,
                  webhook_secret=webhook_secret, rng=rng, skus=skus)
    add_customers(world, customers)
    return world


def add_customers(world: World, count: int) -> None:
    start = len(world.customers)
    for number in range(start, start + count):
        world.customers.append(centra.create_customer(
            world.store, f"buyer{number}@{world.slug}.example", f"Buyer{number}", f"Chaos{world.token}"
        ))


@transaction.atomic
def place_orders(world: World, count: int) -> int:
    """Place `count` orders and ship them; about one in six ships only part now. Returns shipments made."""
    rng = world.rng
    shipments = 0
    for _ in range(count):
        customer = rng.choice(world.customers)
        country, currency, rate, vat, shipping = rng.choice(MARKETS)
        picked = rng.sample(world.skus, k=rng.randint(1, 3))
        lines = [{"sku": sku, "quantity": rng.randint(1, 2), "unit_price": price, "original_price": price,
                  "tax_percent": Decimal(vat)} for sku, price in picked]
        goods = sum(line["unit_price"] * line["quantity"] for line in lines)
        voucher = (goods * Decimal("0.1")).quantize(Decimal("0.01")) if rng.random() < 0.25 else Decimal(0)
        order = centra.create_order(
            world.store, customer=customer, country_code=country, currency=currency, conversion_rate=Decimal(rate),
            shipping=Decimal(shipping), voucher_discount=voucher, lines=lines,
            billing_address={"firstName": customer.first_name, "lastName": customer.last_name,
                             "address1": "Chaosgatan 1", "city": "Stockholm", "zipCode": "11122",
                             "country": country, "email": customer.email},
        )
        if len(lines) > 1 and rng.random() < 0.3:  # shipped in two batches: two invoices
            first = order.lines.order_by("id").first()
            centra.create_shipment(order, {first: first.quantity})
            world.split_orders.append(order)
        else:
            centra.create_shipment(order)
        shipments += 1
    return shipments


@transaction.atomic
def ship_rest(world: World) -> int:
    """The second shipment of every order shipped in part so far. Returns shipments made."""
    orders, world.split_orders = world.split_orders, []
    for order in orders:
        centra.create_shipment(order)
    return len(orders)
