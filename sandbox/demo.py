"""The demo world: a Centra store and a Fortnox tenant in the sandbox, and Junipeer wired to both.

Idempotent: seeding twice changes nothing that is already there (orders are placed once, tokens
issued once), and points the connections at `site_url` so a different port still works.
"""

import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from integrations.connections import set_credentials
from integrations.models import Connection, Flow, Integration, Membership, Organization
from integrations.queue import ensure_schedules
from mappings.models import Bookkeeping, OssAccount

from . import demo_business_central
from .centra import services as centra
from .demo_catalog import seed_stock_and_products
from .fortnox import services as fortnox

SLUG = "demo"
GET_STARTED_SLUG = "getstarted"
GET_STARTED_COMPANY = "Nordic Wool AB"
STAFF_USERNAME = "admin"
STAFF_PASSWORD = "junipeer-demo"
SHOP_USERNAME = "shop"
FORTNOX_CLIENT_ID = "junipeer-demo-client"
FORTNOX_CLIENT_SECRET = "junipeer-demo-client-secret"

# EU One-Stop-Shop: one sales account per destination country and VAT rate Centra charges there
# (standard rates, and the reduced rates of books and food where the demo sells into them).
OSS_ACCOUNTS = {
    ("DE", "19"): 3051, ("DE", "7"): 3061, ("DK", "25"): 3052, ("FI", "25.5"): 3053, ("FI", "14"): 3063,
    ("FR", "20"): 3054, ("FR", "5.5"): 3064, ("NL", "21"): 3055, ("NL", "9"): 3065,
}

ARTICLES = [
    ("WC100CAM38", "Wool Coat Camel 38", "7350012345678"),
    ("WC100CAM40", "Wool Coat Camel 40", "7350012345685"),
    ("WS200", "Wool Scarf Grey", ""),
    ("LS300WHTS", "Linen Shirt White S", "7350012340017"),
    ("LS300WHTM", "Linen Shirt White M", "7350012340024"),
    ("LS300WHTL", "Linen Shirt White L", "7350012340031"),
]


def _catalog(store):
    centra.create_product(store, "WC100", "Wool Coat", variants=[
        {"variant_number": "CAM", "name": "Camel", "sizes": [
            {"name": "38", "size_number": "38", "ean": "7350012345678"},
            {"name": "40", "size_number": "40", "ean": "7350012345685"}]}])
    centra.create_product(store, "WS200", "Wool Scarf", variants=[
        {"variant_number": "", "name": "Grey", "sizes": [{"name": "One Size", "size_number": ""}]}])
    centra.create_product(store, "LS300", "Linen Shirt", variants=[
        {"variant_number": "WHT", "name": "White", "sizes": [
            {"name": size, "size_number": size} for size in ("S", "M", "L")]}])
    # Not in Fortnox: its shipments fail with unknown_sku until the article is created there.
    centra.create_product(store, "SOCK900", "Wool Socks", variants=[
        {"variant_number": "", "name": "Navy", "sizes": [{"name": "One Size", "size_number": ""}]}])
    # A SKU with a space and an Å: Fortnox refuses it as an article number.
    centra.create_product(store, "TOTE Å", "Canvas Tote", variants=[
        {"variant_number": "", "name": "Natural", "sizes": [{"name": "One Size", "size_number": ""}]}])


def _address(first, last, street, zip_code, city, country, email, company=None, vat=None):
    return {"firstName": first, "lastName": last, "companyName": company, "address1": street, "city": city,
            "zipCode": zip_code, "country": country, "email": email, "phoneNumber": "+46 70 123 45 67",
            "vatNumber": vat}


def _orders(store):
    """Orders that show every rule of the orders flow, each with its shipments."""
    def line(sku, quantity, price, original=None, tax=25):
        return {"sku": sku, "quantity": quantity, "unit_price": Decimal(price),
                "original_price": Decimal(original or price), "tax_percent": Decimal(tax)}

    anna = centra.create_customer(store, "anna.berg@example.com", "Anna", "Berg")
    two_batches = centra.create_order(
        store, customer=anna, country_code="SE", shipping=Decimal("49"),
        lines=[line("WC100CAM38", 1, "1350", "1500"), line("WS200", 1, "149")],
        billing_address=_address("Anna", "Berg", "Storgatan 1", "11122", "Stockholm", "SE", anna.email),
    )
    coat, scarf = list(two_batches.lines.order_by("id"))
    coat_shipment = centra.create_shipment(two_batches, {coat: 1})
    centra.complete_shipment(coat_shipment)
    centra.complete_shipment(centra.create_shipment(two_batches, {scarf: 1}))
    # The coat comes back: shipping refunded, a return fee charged (booked on its own account).
    centra.complete_return(centra.create_return(
        coat_shipment, {coat_shipment.lines.get(): 1}, shipping_refund=Decimal("49"), return_cost=Decimal("59"),
        comment="Too small",
    ))

    lukas = centra.create_customer(store, "lukas.meyer@example.de", "Lukas", "Meyer")
    discounted = centra.create_order(
        store, customer=lukas, country_code="DE", currency="EUR", conversion_rate=Decimal("11.45"),
        shipping=Decimal("5.90"), voucher_discount=Decimal("10.00"),
        lines=[line("LS300WHTM", 2, "45.00", "50.00", 19)],
        billing_address=_address("Lukas", "Meyer", "Hauptstraße 5", "10115", "Berlin", "DE", lukas.email),
    )
    eu_shipment = centra.create_shipment(discounted)
    centra.complete_shipment(eu_shipment)
    # One of two shirts comes back: its share of the voucher is taken back (OSS DE on the credit too).
    centra.complete_return(centra.create_return(
        eu_shipment, {eu_shipment.lines.get(): 1}, voucher_value=centra.FROM_SHIPMENT, comment="Wrong colour",
    ))

    ola = centra.create_customer(store, "ola.nordmann@example.no", "Ola", "Nordmann")
    export = centra.create_order(
        store, customer=ola, country_code="NO", currency="NOK", conversion_rate=Decimal("0.98"),
        shipping=Decimal("99"), lines=[line("WS200", 1, "199", tax=0)],
        billing_address=_address("Ola", "Nordmann", "Karl Johans gate 1", "0154", "Oslo", "NO", ola.email),
    )
    centra.create_shipment(export)

    company = centra.create_customer(store, "inkop@nordicretail.example", "Karin", "Ek")
    b2b = centra.create_order(
        store, customer=company, country_code="SE",
        lines=[line("LS300WHTS", 3, "399"), line("LS300WHTL", 2, "399")],
        billing_address=_address("Karin", "Ek", "Industrigatan 4", "41104", "Göteborg", "SE", company.email,
                                 company="Nordic Retail AB", vat="SE556677889901"),
    )
    centra.create_shipment(b2b)

    emma = centra.create_customer(store, "emma.svensson@example.com", "Emma", "Svensson")
    socks = centra.create_order(
        store, customer=emma, country_code="SE", lines=[line("SOCK900", 2, "129"), line("WS200", 1, "149")],
        billing_address=_address("Emma", "Svensson", "Vasagatan 3", "41124", "Göteborg", "SE", emma.email),
    )
    centra.create_shipment(socks)

    sofia = centra.create_customer(store, "sofia.lind@example.com", "Sofia", "Lind")
    tote = centra.create_order(
        store, customer=sofia, country_code="SE", lines=[line("TOTE Å", 1, "249")],
        billing_address=_address("Sofia", "Lind", "Sveavägen 9", "11157", "Stockholm", "SE", sofia.email),
    )
    centra.create_shipment(tote)

    # Confirmed but not shipped yet: no invoice until a shipment exists.
    centra.create_order(
        store, customer=anna, country_code="SE", lines=[line("WC100CAM40", 1, "1500")],
        billing_address=_address("Anna", "Berg", "Storgatan 1", "11122", "Stockholm", "SE", anna.email),
    )


def _staff_user():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=STAFF_USERNAME, defaults={"is_staff": True, "is_superuser": True, "email": "staff@junipeer.test"}
    )
    if created:
        user.set_password(STAFF_PASSWORD)
        user.save()
    return user


@transaction.atomic
def seed(site_url: str, *, fast: bool = False) -> Integration:
    """Build (or refresh) the demo. `fast` raises the rate limits, for tests."""
    site_url = site_url.rstrip("/")
    _staff_user()
    organization, _ = Organization.objects.get_or_create(
        slug=SLUG, defaults={"name": "Demo Fashion AB", "contact_email": "owner@demofashion.example"}
    )
    shop_user, _ = get_user_model().objects.get_or_create(username=SHOP_USERNAME)
    Membership.objects.get_or_create(user=shop_user, organization=organization,
                                     defaults={"role": Membership.Role.OWNER})

    store = centra.create_store(SLUG, name="Demo Fashion", plan="enterprise" if fast else "growth")
    tenant = fortnox.create_tenant("Demo Fashion AB", **({"rate_limit_requests": 10_000} if fast else {}))
    app = fortnox.create_app(FORTNOX_CLIENT_ID, FORTNOX_CLIENT_SECRET)
    for number, description, ean in ARTICLES:
        fortnox.create_article(tenant, number, description, ean=ean, quantity_in_stock=25)
    if not store.products.exists():
        _catalog(store)
    if not store.orders.exists():
        _orders(store)

    fast_limit = {"rate_limit": {"requests": 10_000, "per_seconds": 1}} if fast else {}
    source, _ = Connection.objects.update_or_create(
        organization=organization, name="Centra (sandbox)",
        defaults={"kind": "centra", "base_url": f"{site_url}/sandbox/centra/{SLUG}",
                  "settings": {"plan": store.plan, "events": False, **fast_limit}},
    )
    set_credentials(source, api_token=store.api_token)
    target, _ = Connection.objects.update_or_create(
        organization=organization, name="Fortnox (sandbox)",
        defaults={"kind": "fortnox", "base_url": f"{site_url}/sandbox/fortnox",
                  "auth_url": f"{site_url}/sandbox/fortnox", "settings": fast_limit},
    )
    if not target.credentials.get("refresh_token"):
        tokens = fortnox.issue_tokens(tenant, app)
        set_credentials(
            target, client_id=FORTNOX_CLIENT_ID, client_secret=FORTNOX_CLIENT_SECRET,
            access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
            expires_at=time.time() + float(tokens.get("expires_in", 3600)), tenant_id=str(tenant.database_number),
        )
    integration, _ = Integration.objects.update_or_create(
        slug=SLUG,
        defaults={"organization": organization, "name": "Demo: Centra → Fortnox", "source": source,
                  "target": target, "status": Integration.Status.LIVE},
    )
    Flow.objects.get_or_create(
        integration=integration, kind=Flow.Kind.ORDERS,
        defaults={"enabled": True, "trigger": Flow.Trigger.SHIPMENT_CREATED, "schedule_minutes": 5},
    )
    for kind in (Flow.Kind.CUSTOMERS, Flow.Kind.REFUNDS):
        Flow.objects.get_or_create(integration=integration, kind=kind,
                                   defaults={"enabled": True, "schedule_minutes": 5})
    _bookkeeping(integration, tenant)
    seed_stock_and_products(integration)
    demo_business_central.seed(site_url, fast=fast)  # the second shop, on Business Central
    ensure_schedules()
    return integration


def seed_get_started():
    """A Centra store and a Fortnox company of their own for a person who tries Get Started on the
    demo: the demo shop's catalogue and orders (the failing ones too), with no integration wired
    to them, so a new shop's test sync creates its own invoices in a company nobody else writes to."""
    store = centra.create_store(GET_STARTED_SLUG, name="Nordic Wool")
    tenant = fortnox.create_tenant(GET_STARTED_COMPANY)
    for number, description, ean in [*ARTICLES, ("SOCK900", "Wool Socks Navy", "")]:
        fortnox.create_article(tenant, number, description, ean=ean, quantity_in_stock=25)
    _oss_accounts_in(tenant)
    if not store.products.exists():
        _catalog(store)
    if not store.orders.exists():
        _orders(store)
    return store


def _oss_accounts_in(tenant):
    from .fortnox.models import Account

    for (code, rate), account in OSS_ACCOUNTS.items():
        Account.objects.get_or_create(
            tenant=tenant, number=account,
            defaults={"description": f"Försäljning varor OSS {code}, {rate} % moms", "vat_rate": Decimal(rate)},
        )


def _bookkeeping(integration, tenant):
    """Default Swedish accounts, and OSS accounts (one per country and rate) that exist in the Fortnox
    tenant too."""
    Bookkeeping.objects.get_or_create(integration=integration)
    _oss_accounts_in(tenant)
    for (code, rate), account in OSS_ACCOUNTS.items():
        OssAccount.objects.get_or_create(integration=integration, country_code=code, vat_rate=Decimal(rate),
                                         defaults={"sales_account": account})

