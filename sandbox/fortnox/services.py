"""Plain functions for seeding the sandbox and for tests/the chaos checker to look inside it.

They go through the same code paths as the HTTP API, so what they create looks exactly like
what a client would have created.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from . import articles, oauth, prices
from . import customers as customer_records
from . import invoices as invoice_records
from .models import AccessToken, Article, FortnoxApp, Invoice, Price, Tenant
from .seed import seed_tenant

DEFAULT_HOST = "http://testserver"  # Django's test client host; pass base_url= for a live server.
DEFAULT_CURRENCIES = ("SEK", "EUR", "USD", "NOK", "DKK")


def api_base_url(host: str = DEFAULT_HOST) -> str:
    """Absolute URL of the simulated `/3/`, as the records' `@url` use it."""
    path = reverse("sandbox_fortnox:customers")
    return f"{host.rstrip('/')}{path[: path.index('/3/') + 3]}"


def create_app(client_id: str, client_secret: str) -> FortnoxApp:
    """Get or create; an existing app keeps its secret."""
    app, _ = FortnoxApp.objects.get_or_create(client_id=client_id, defaults={"client_secret": client_secret})
    return app


@transaction.atomic
def create_tenant(name: str, *, database_number: int | None = None, currencies=DEFAULT_CURRENCIES,
                  **knobs) -> Tenant:
    """Get or create by name, seeded with accounts, predefined accounts, terms and currencies.
    `knobs` are Tenant fields (access_token_ttl, rounding, rate_limit_requests …), applied
    to an existing tenant too."""
    tenant = Tenant.objects.filter(name=name).first()
    if tenant is None:
        if database_number is None:
            database_number = (Tenant.objects.aggregate(top=Max("database_number"))["top"] or 1_000_000) + 1
        tenant = Tenant.objects.create(name=name, database_number=database_number, **knobs)
    elif knobs:
        for field, value in knobs.items():
            setattr(tenant, field, value)
        tenant.save(update_fields=list(knobs))
    seed_tenant(tenant, currencies)
    return tenant


def create_article(tenant: Tenant, article_number: str, description: str, *, ean: str = "",
                   quantity_in_stock=0, sales_price=None, type="STOCK") -> Article:
    """Get or create; an existing article is returned unchanged."""
    existing = Article.objects.filter(tenant=tenant, article_number=article_number).first()
    if existing is not None:
        return existing
    payload = {"ArticleNumber": article_number, "Description": description, "EAN": ean,
               "QuantityInStock": quantity_in_stock, "Type": type}
    return articles.create(tenant, payload, sales_price=sales_price)


def issue_tokens(tenant: Tenant, app: FortnoxApp, *, scope: str = oauth.DEFAULT_SCOPE) -> dict:
    """Tokens as if the customer had consented (a service consent, so client_credentials works
    too); the same dict the token endpoint answers with."""
    oauth.grant_consent(app, tenant, scope, service_account=True)
    return oauth.issue(app, tenant, scope)


def withdraw_consent(tenant: Tenant, app: FortnoxApp) -> bool:
    """The customer removes the app in Fortnox: every token of the grant stops working at once
    (see `oauth.withdraw_consent`). Returns whether there was a consent."""
    return oauth.withdraw_consent(app, tenant)


def grant_consent(tenant: Tenant, app: FortnoxApp, *, scope: str = oauth.DEFAULT_SCOPE,
                  service_account: bool = True) -> None:
    """The customer consents (again), as the consent screen does; tokens then come from the
    authorization-code flow or, for a service consent, client_credentials."""
    oauth.grant_consent(app, tenant, scope, service_account=service_account)


def expire_access_tokens(tenant: Tenant) -> int:
    """Every access token of the tenant expires now. Returns how many there were."""
    return AccessToken.objects.filter(tenant=tenant).update(expires_at=timezone.now())


def invoices(tenant: Tenant, *, host: str = DEFAULT_HOST) -> list[dict]:
    """Every invoice of the tenant, in full, exactly as GET /3/invoices/{n} shows it."""
    base = api_base_url(host)
    queryset = Invoice.objects.filter(tenant=tenant).prefetch_related("rows").order_by("document_number")
    return [invoice_records.render(invoice, base) for invoice in queryset]


def customers(tenant: Tenant, *, host: str = DEFAULT_HOST) -> list[dict]:
    """Every live customer of the tenant, in full, exactly as GET /3/customers/{n} shows it."""
    base = api_base_url(host)
    return [customer_records.render(customer, base) for customer in customer_records.live(tenant)]


def create_price_list(tenant: Tenant, code: str, description: str = ""):
    """Get or create a price list by code."""
    found = prices.price_lists(tenant).filter(code=code).first()
    return found or prices.create_price_list(tenant, {"Code": code, "Description": description or code})


def price_of(tenant: Tenant, article_number: str, price_list: str = prices.DEFAULT_PRICE_LIST) -> Decimal | None:
    """The article's from-0 price on `price_list`, or None when it has none there."""
    found = Price.objects.filter(price_list__tenant=tenant, price_list__code=price_list, from_quantity=0,
                                 article__article_number=article_number).first()
    return found.price if found else None
