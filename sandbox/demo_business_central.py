"""The demo's second shop: a Centra store on Microsoft Dynamics 365 Business Central.

Nordic Outerwear AB runs BC (a Swedish company with DOMESTIC/EU/EXPORT and OSS VAT business
posting groups); Junipeer is wired to it with Entra client credentials and the same flows as the
Fortnox shop. Its orders show two shipments of one order, a partial return, an OSS sale to Germany
and an export to Norway. The tenant's sandbox environment holds a test copy of the company, for
onboarding it again in Get Started. Idempotent, like `demo.seed`.
"""

from decimal import Decimal

from integrations.connections import set_credentials
from integrations.models import Connection, Flow, Integration, Membership, Organization
from mappings.models import Bookkeeping, PostingGroups

from .business_central import services as bc
from .centra import services as centra

SLUG = "nordic"
TENANT = "nordicouterwear.onmicrosoft.example"
BC_CLIENT_ID = "junipeer-demo-bc-client"
BC_CLIENT_SECRET = "junipeer-demo-bc-client-secret"
TEST_COMPANY = "NORDIC OUTERWEAR TEST"
TEST_COMPANY_NAME = "Nordic Outerwear AB (test)"
# SKU, item name, price (SEK incl. VAT)
ITEMS = [("PK100NAVM", "Parka Navy M", "2499"), ("PK100NAVL", "Parka Navy L", "2499"), ("BN200", "Beanie", "299")]
OSS = {"DE": "OSS-DE", "FI": "OSS-FI", "FR": "OSS-FR", "NL": "OSS-NL", "DK": "OSS-DK"}
VAT_PRODUCTS = {"25": "VAT25", "12": "VAT12", "6": "VAT6", "0": "VAT0", "19": "VAT19", "7": "VAT7", "20": "VAT20",
                "5.5": "VAT5.5", "21": "VAT21", "9": "VAT9", "25.5": "VAT25.5", "14": "VAT14", "10": "VAT10"}


def _orders(store):
    def line(sku, quantity, price, tax=25):
        return {"sku": sku, "quantity": quantity, "unit_price": Decimal(price), "original_price": Decimal(price),
                "tax_percent": Decimal(tax)}

    def address(first, last, street, zip_code, city, country, email):
        return {"firstName": first, "lastName": last, "address1": street, "city": city, "zipCode": zip_code,
                "country": country, "email": email, "phoneNumber": "+46 70 765 43 21"}

    elin = centra.create_customer(store, "elin.holm@example.com", "Elin", "Holm")
    order = centra.create_order(
        store, customer=elin, country_code="SE", shipping=Decimal("59"),
        lines=[line("PK100NAVM", 1, "2499"), line("BN200", 2, "299")],
        billing_address=address("Elin", "Holm", "Kungsgatan 12", "11143", "Stockholm", "SE", elin.email))
    parka, beanies = list(order.lines.order_by("id"))
    first = centra.create_shipment(order, {parka: 1})
    centra.complete_shipment(first)
    second = centra.create_shipment(order, {beanies: 2})
    centra.complete_shipment(second)
    # One beanie of two comes back: a credit memo applied to the second invoice.
    centra.complete_return(centra.create_return(second, {second.lines.get(): 1}, comment="Changed my mind"))

    jonas = centra.create_customer(store, "jonas.weber@example.de", "Jonas", "Weber")
    centra.complete_shipment(centra.create_shipment(centra.create_order(
        store, customer=jonas, country_code="DE", currency="EUR", conversion_rate=Decimal("11.45"),
        shipping=Decimal("9.90"), lines=[line("PK100NAVL", 1, "219.00", 19)],
        billing_address=address("Jonas", "Weber", "Lindenstraße 3", "10969", "Berlin", "DE", jonas.email))))

    kari = centra.create_customer(store, "kari.berg@example.no", "Kari", "Berg")
    centra.create_shipment(centra.create_order(
        store, customer=kari, country_code="NO", currency="NOK", conversion_rate=Decimal("0.98"),
        shipping=Decimal("99"), lines=[line("BN200", 1, "329", 0)],
        billing_address=address("Kari", "Berg", "Storgata 8", "0155", "Oslo", "NO", kari.email)))


def centra_store():
    """The shop's Centra store, once seeded (the one to connect in Get Started with the test company)."""
    from .centra.models import Store

    return Store.objects.get(slug=SLUG)


def seed(site_url: str, *, fast: bool = False, owner=None) -> Integration:
    organization, _ = Organization.objects.get_or_create(
        slug=SLUG, defaults={"name": "Nordic Outerwear AB", "contact_email": "owner@nordicouterwear.example"})
    if owner is not None:
        Membership.objects.get_or_create(user=owner, organization=organization,
                                         defaults={"role": Membership.Role.OWNER})
    store = centra.create_store(SLUG, name="Nordic Outerwear", plan="enterprise" if fast else "growth")
    environment = bc.create_environment(TENANT, "production", **({"rate_limit_requests": 10**6} if fast else {}))
    company = bc.create_company(environment, "NORDIC OUTERWEAR", "Nordic Outerwear AB")
    # The partner's test copy, in the sandbox environment: what an owner connects in Get Started on
    # the demo (README), so its test sync never meets the live shop's invoices.
    test_company = bc.create_company(bc.create_environment(TENANT, "sandbox", type="Sandbox"),
                                     TEST_COMPANY, TEST_COMPANY_NAME)
    bc.create_app(BC_CLIENT_ID, BC_CLIENT_SECRET, TENANT)
    for sku, name, price in ITEMS:
        bc.create_item(company, sku, name, inventory=40, unit_price=price)
        bc.create_item(test_company, sku, name, inventory=40, unit_price=price)
    if not store.products.exists():
        centra.create_product(store, "PK100", "Parka", variants=[{"variant_number": "NAV", "name": "Navy", "sizes": [
            {"name": size, "size_number": size} for size in ("M", "L")]}])
        centra.create_product(store, "BN200", "Beanie", variants=[
            {"variant_number": "", "name": "Grey", "sizes": [{"name": "One Size", "size_number": ""}]}])
    if not store.orders.exists():
        _orders(store)

    fast_limit = {"rate_limit": {"requests": 10_000, "per_seconds": 1}} if fast else {}
    source, _ = Connection.objects.update_or_create(
        organization=organization, name="Centra (sandbox)",
        defaults={"kind": "centra", "base_url": f"{site_url}/sandbox/centra/{SLUG}",
                  "settings": {"plan": store.plan, "events": False, **fast_limit}})
    set_credentials(source, api_token=store.api_token)
    target, _ = Connection.objects.update_or_create(
        organization=organization, name="Business Central (sandbox)",
        defaults={"kind": "business_central", "base_url": f"{site_url}/sandbox/business_central",
                  "auth_url": f"{site_url}/sandbox/business_central", "settings": fast_limit})
    set_credentials(target, tenant=TENANT, environment="production", company_id=str(company.id),
                    client_id=BC_CLIENT_ID, client_secret=BC_CLIENT_SECRET)
    integration, _ = Integration.objects.update_or_create(
        slug=SLUG, defaults={"organization": organization, "name": "Demo: Centra → Business Central",
                             "source": source, "target": target, "status": Integration.Status.LIVE})
    Flow.objects.get_or_create(integration=integration, kind=Flow.Kind.ORDERS, defaults={
        "enabled": True, "trigger": Flow.Trigger.SHIPMENT_CREATED, "schedule_minutes": 5})
    for kind in (Flow.Kind.CUSTOMERS, Flow.Kind.REFUNDS):
        Flow.objects.get_or_create(integration=integration, kind=kind, defaults={"enabled": True,
                                                                                 "schedule_minutes": 5})
    Bookkeeping.objects.get_or_create(integration=integration)
    PostingGroups.objects.get_or_create(integration=integration, defaults={"oss": OSS, "vat_products": VAT_PRODUCTS})
    return integration
