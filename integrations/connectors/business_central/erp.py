"""Business Central as an ERP: the ERP port (`domain.erp.ERP`) over API v2.0.

One instance per run: it caches look-ups (currencies, items, VAT business posting groups).
"""

from dataclasses import dataclass, field

from ...domain.documents import ErpCompany
from ...domain.errors import SyncError
from .client import BusinessCentralClient
from .customers import CustomersMixin
from .documents import DocumentsMixin
from .items import ItemsMixin
from .setup import SetupMixin

# Bookkeeping setting (`domain.erp.ACCOUNT_ROLES`) <- the BAS account a Swedish BC company books it on.
# Sales accounts are not among them: in BC they follow from posting groups, not from a row's account.
BAS_ACCOUNTS = {"freight_account": "3520", "return_fee_account": "3540"}


@dataclass
class BusinessCentralERP(CustomersMixin, DocumentsMixin, ItemsMixin, SetupMixin):
    """The ERP port, spoken by Business Central."""

    client: BusinessCentralClient
    _currencies: set[str] | None = None
    _items: dict[str, bool] = field(default_factory=dict)
    _tax_areas: dict[str, str] | None = None

    @property
    def journal(self):
        return self.client.journal

    def environments(self) -> list[tuple[str, str]]:
        """(name, type) of the tenant's environments: what the connection's environment is chosen from."""
        return [(str(e.get("name") or ""), str(e.get("type") or "")) for e in self.client.list_environments()]

    def companies(self) -> list[tuple[str, str]]:
        """(id, display name) of the environment's companies: what the connection's company is chosen from."""
        return [(str(c["id"]), str(c.get("displayName") or c.get("name") or "")) for c in self.client.list_companies()]

    def check(self) -> ErpCompany:
        """The company reached. Without a company chosen, an environment with one company uses it;
        with several, the connection must say which."""
        if not self.client.company_id:
            companies = self.companies()
            if len(companies) != 1:
                listed = ", ".join(f"{name} ({ident})" for ident, name in companies) or "none"
                raise SyncError("flow_misconfigured", f"Choose the Business Central company on the connection; the "
                                                      f"environment has {listed}.")
            self.client.company_id = companies[0][0]
        info = (self.client.get("companyInformation").get("value") or [{}])[0]
        return ErpCompany(name=str(info.get("displayName") or ""),
                          organisation_number=str(info.get("taxRegistrationNumber") or ""))

    def bookkeeping_defaults(self) -> dict[str, int]:
        """The freight and fee accounts of the company's chart, when they are posting accounts open
        to direct posting (what an Account line needs)."""
        wanted = ",".join(f"'{number}'" for number in BAS_ACCOUNTS.values())
        accounts = {a["number"]: a for a in self.client.find("accounts", f"number in ({wanted})")}
        defaults = {}
        for role, number in BAS_ACCOUNTS.items():
            account = accounts.get(number)
            if account and account.get("accountType") == "Posting" and account.get("directPosting") \
                    and not account.get("blocked"):
                defaults[role] = int(number)
        return defaults

    def tax_areas(self) -> dict[str, str]:
        """VAT business posting groups (`taxAreas` in VAT countries), code -> id."""
        if self._tax_areas is None:
            self._tax_areas = {str(a["code"]): str(a["id"]) for a in self.client.list_all("taxAreas")}
        return self._tax_areas

    def posting_groups(self) -> dict[str, list[tuple[str, str]]]:
        """The company's VAT business and product posting groups (code, name), for the settings screens."""
        def listed(entity_set: str) -> list[tuple[str, str]]:
            return [(str(g["code"]), str(g.get("displayName") or "")) for g in self.client.list_all(entity_set)]

        return {"vat_business": listed("taxAreas"), "vat_product": listed("taxGroups")}
