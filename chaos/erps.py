"""The ERP side of a chaos run, either ERP behind the same port: `ERP=business_central make chaos`.

Each side creates its simulated company with every SKU in stock, the engine's connection to it,
and answers what the check and the timeline ask: the documents it holds, its fault knobs' name,
how to expire every access token server-side. The engine's side is the same for both.
"""

import time
from dataclasses import dataclass
from decimal import Decimal

from integrations.connections import set_credentials
from integrations.models import Connection
from sandbox.business_central import services as bc
from sandbox.business_central.models import AccessToken
from sandbox.fortnox import services as fortnox

ERPS = ("fortnox", "business_central")
FORTNOX_CLIENT_ID = "junipeer-chaos-client"
FORTNOX_CLIENT_SECRET = "junipeer-chaos-client-secret"
BC_CLIENT_SECRET = "junipeer-chaos-bc-secret"


@dataclass(frozen=True)
class Document:
    """An invoice as the check compares it."""

    reference: str
    number: str
    total: Decimal
    currency: str


class FortnoxSide:
    system = "fortnox"
    label = "Fortnox"

    def __init__(self, token: str, name: str, access_token_ttl: int):
        self.tenant = fortnox.create_tenant(f"{name} AB", access_token_ttl=access_token_ttl)
        self.app = fortnox.create_app(FORTNOX_CLIENT_ID, FORTNOX_CLIENT_SECRET)

    def add_item(self, sku: str, name: str) -> None:
        fortnox.create_article(self.tenant, sku, name, quantity_in_stock=10_000)

    def connect(self, organization, site_url: str) -> Connection:
        target = Connection.objects.create(
            organization=organization, name="Fortnox (sandbox)", kind="fortnox",
            base_url=f"{site_url}/sandbox/fortnox", auth_url=f"{site_url}/sandbox/fortnox",
        )
        tokens = fortnox.issue_tokens(self.tenant, self.app)
        set_credentials(
            target, client_id=FORTNOX_CLIENT_ID, client_secret=FORTNOX_CLIENT_SECRET,
            access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
            expires_at=time.time() + float(tokens["expires_in"]), tenant_id=str(self.tenant.database_number),
        )
        return target

    def invoices(self, site_url: str) -> list[Document]:
        return [Document(invoice.get("ExternalInvoiceReference1") or "", str(invoice["DocumentNumber"]),
                         Decimal(str(invoice["Total"])), invoice["Currency"])
                for invoice in fortnox.invoices(self.tenant, host=site_url)]

    def expire_tokens(self) -> int:
        return fortnox.expire_access_tokens(self.tenant)

    def tokens_issued(self) -> int:
        return self.tenant.access_tokens.count()


class BusinessCentralSide:
    system = "business_central"
    label = "Business Central"

    def __init__(self, token: str, name: str, access_token_ttl: int):
        self.tenant = f"chaos-{token}.example"
        environment = bc.create_environment(self.tenant, "production")
        self.company = bc.create_company(environment, f"CHAOS {token}".upper(), f"{name} AB")
        self.app = bc.create_app(f"junipeer-chaos-{token}", BC_CLIENT_SECRET, self.tenant, token_ttl=access_token_ttl)

    def add_item(self, sku: str, name: str) -> None:
        bc.create_item(self.company, sku, name, inventory=10_000)

    def connect(self, organization, site_url: str) -> Connection:
        target = Connection.objects.create(
            organization=organization, name="Business Central (sandbox)", kind="business_central",
            base_url=f"{site_url}/sandbox/business_central", auth_url=f"{site_url}/sandbox/business_central",
        )
        set_credentials(target, tenant=self.tenant, environment="production", company_id=str(self.company.id),
                        client_id=self.app.client_id, client_secret=BC_CLIENT_SECRET)
        return target

    def invoices(self, site_url: str) -> list[Document]:
        """Posted invoices only: a draft is an attempt the engine has not finished (and must not count)."""
        return [Document(str(invoice["externalDocumentNumber"]).lower(), str(invoice["number"]),
                         Decimal(str(invoice["totalAmountIncludingTax"])), invoice["currencyCode"])
                for invoice in bc.invoices(self.company) if invoice["status"] != "Draft"]

    def expire_tokens(self) -> int:
        return bc.expire_tokens(self.app)

    def tokens_issued(self) -> int:
        return AccessToken.objects.filter(app=self.app).count()


def erp_side(erp: str, token: str, name: str, access_token_ttl: int):
    sides = {"fortnox": FortnoxSide, "business_central": BusinessCentralSide}
    if erp not in sides:
        raise ValueError(f"ERP must be one of {', '.join(ERPS)}, not {erp!r}")
    return sides[erp](token, name, access_token_ttl)
