"""Plain functions for seeding the simulator and for tests, chaos and the demo to look inside it.

They go through the same code as the HTTP API, so what they create looks exactly like what a
client would have created.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import documents, entities
from . import records as store
from .models import AccessToken, Company, EntraApp, Environment, Record
from .seed import seed_company

SCOPE = "https://api.businesscentral.dynamics.com/.default"


def create_environment(tenant: str, name: str = "production", **knobs) -> Environment:
    """Get or create; `knobs` (Environment fields) are applied to an existing one too."""
    environment, created = Environment.objects.get_or_create(tenant=tenant, name=name, defaults=knobs)
    if knobs and not created:
        Environment.objects.filter(pk=environment.pk).update(**knobs)
        environment.refresh_from_db()
    return environment


@transaction.atomic
def create_company(environment: Environment, name: str, display_name: str = "", **knobs) -> Company:
    company, created = Company.objects.get_or_create(
        environment=environment, name=name[:30], defaults={"display_name": display_name or name, **knobs})
    if knobs and not created:
        Company.objects.filter(pk=company.pk).update(**knobs)
        company.refresh_from_db()
    seed_company(company)
    return company


def create_app(client_id: str, client_secret: str, tenant: str, **knobs) -> EntraApp:
    app, created = EntraApp.objects.get_or_create(client_id=client_id, defaults={
        "client_secret": client_secret, "tenant": tenant, **knobs})
    if knobs and not created:
        EntraApp.objects.filter(pk=app.pk).update(**knobs)
        app.refresh_from_db()
    return app


def issue_token(app: EntraApp) -> dict:
    """What the token endpoint answers a client-credentials grant (§1.2): no refresh token."""
    token = AccessToken.objects.create(token=f"bc-{secrets.token_urlsafe(32)}", app=app,
                                       expires_at=timezone.now() + timedelta(seconds=app.token_ttl))
    return {"token_type": "Bearer", "expires_in": app.token_ttl, "ext_expires_in": app.token_ttl,
            "access_token": token.token}


def expire_tokens(app: EntraApp) -> int:
    """Expire every access token of the app server-side (the next call answers 401)."""
    return AccessToken.objects.filter(app=app, expires_at__gt=timezone.now()).update(
        expires_at=timezone.now() - timedelta(seconds=1))


def create_item(company: Company, number: str, name: str, *, inventory=0, unit_price=0, tax_group="VAT25") -> Record:
    """Get or create an item; a new one gets its opening stock as a positive adjustment."""
    existing = store.by_number(company, "items", number.upper())
    if existing is not None:
        return existing
    item = entities.create_item(company, {"number": number, "displayName": name, "unitPrice": float(unit_price),
                                          "taxGroupCode": tax_group})
    if inventory:
        item = entities.update_item(company, item, {"inventory": float(inventory)})
    return item


def create_customer(company: Company, **fields) -> Record:
    return entities.create_customer(company, fields)


def _documents(company: Company, entity: str) -> list[dict]:
    kind = documents.KINDS[entity]
    return [documents.rendered(record, kind, expand=True)
            for record in store.records(company, entity).order_by("sequence")]


def invoices(company: Company) -> list[dict]:
    """Every sales invoice (drafts and posted) with its lines, as the API shows them."""
    return _documents(company, "salesInvoices")


def credit_memos(company: Company) -> list[dict]:
    return _documents(company, "salesCreditMemos")


def customers(company: Company) -> list[dict]:
    return [store.rendered(record) for record in store.records(company, "customers").order_by("sequence")]


def item(company: Company, number: str) -> dict | None:
    record = store.by_number(company, "items", number)
    return store.rendered(record) if record else None


def ledger_entries(company: Company) -> list[dict]:
    return [record.data for record in store.records(company, "itemLedgerEntries").order_by("sequence")]


def adjust_inventory(company: Company, number: str, quantity) -> dict:
    """A warehouse worker's item journal: stock moves without touching the item record."""
    record = store.by_number(company, "items", number)
    entities.ledger_entry(company, record, Decimal(str(quantity)),
                          "Positive Adjmt." if Decimal(str(quantity)) > 0 else "Negative Adjmt.",
                          document_number="JOURNAL", document_type=" ")
    return store.rendered(store.by_number(company, "items", number))


def pay_invoice(company: Company, number: str) -> dict:
    """The customer paid: the invoice's customer ledger entry is closed (status Paid)."""
    record = store.records(company, "salesInvoices").get(number=number)
    record.data.update(status="Paid", remainingAmount=0)
    return store.rendered(store.save(record))
