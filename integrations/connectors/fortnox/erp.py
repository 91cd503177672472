"""Fortnox as an ERP: turns domain documents into Fortnox payloads and checks them first.

Everything Fortnox would refuse is caught with a catalog code that says what to do, before a
request is sent: unknown article or currency, values over Fortnox's field lengths, more than 500
rows, article numbers with characters Fortnox refuses. One instance per run: it caches look-ups.
"""

from dataclasses import dataclass, field

from ...domain.documents import ErpCompany
from ...domain.errors import SyncError
from .articles import ArticlesMixin
from .client import FortnoxClient
from .credits import CreditsMixin
from .customers import CustomersMixin
from .invoices import InvoicesMixin
from .prices import PricesMixin
from .setup import SetupMixin
from .summaries import SummariesMixin

# Bookkeeping setting (`domain.erp.ACCOUNT_ROLES`) <- Fortnox predefined account name (fortnox.md §5.10).
PREDEFINED_ACCOUNTS = {
    "sales_account_25": "SALES_25_SE",
    "sales_account_12": "SALES_12_SE",
    "sales_account_6": "SALES_6_SE",
    "sales_account_0": "SALES_0_SE",
    "eu_reverse_charge_account": "SALESEUREV",
    "eu_vat_account": "SALESEUVAT",
    "export_account": "SALESEXPORT",
    "freight_account": "FREIGHT",
    "return_fee_account": "ADMFEE",
}


@dataclass
class FortnoxERP(ArticlesMixin, CreditsMixin, CustomersMixin, InvoicesMixin, PricesMixin, SetupMixin, SummariesMixin):
    """The ERP port (`domain.erp.ERP`), spoken by Fortnox."""

    client: FortnoxClient
    home_country: str = "SE"
    _currencies: set[str] | None = None
    _articles: dict[str, bool] = field(default_factory=dict)
    _price_lists: dict[str, bool] = field(default_factory=dict)

    @property
    def journal(self):
        return self.client.journal

    def check(self) -> ErpCompany:
        """`/companyinformation`: its `DatabaseNumber` is the tenant id the client-credentials grant needs."""
        company = self.client.get("companyinformation").get("CompanyInformation") or {}
        return ErpCompany(name=str(company.get("CompanyName") or ""),
                          tenant_id=str(company.get("DatabaseNumber") or ""),
                          organisation_number=str(company.get("OrganizationNumber") or ""))

    def bookkeeping_defaults(self) -> dict[str, int]:
        """The company's predefined accounts (fortnox.md §5.10), by bookkeeping setting."""
        answer = self.client.get("predefinedaccounts")
        accounts = {item.get("Name"): item.get("Account") for item in answer.get("PreDefinedAccounts") or []}
        defaults = {}
        for role, name in PREDEFINED_ACCOUNTS.items():
            value = accounts.get(name)
            if value in (None, "", 0):
                continue
            try:
                defaults[role] = int(value)
            except (TypeError, ValueError) as exc:
                raise SyncError("bad_response", f"Fortnox predefined account {name} is {value!r}.") from exc
        return defaults
