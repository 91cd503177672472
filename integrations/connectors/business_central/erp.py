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
# Where a BAS chart books freight, return fees and given discounts (with posting groups, a discount
# has no sales account to fall back on, so the company's own discount account is offered first).
BAS_ACCOUNTS = {"freight_account": "3520", "return_fee_account": "3540", "discount_account": "3730"}


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

    def environment_choices(self) -> list[tuple[str, str]]:
        """The environments to choose from, labelled with their type; none is a setup to fix in BC."""
        environments = self.environments()
        if not environments:
            raise SyncError("not_found", f"Microsoft Entra accepted the app, but tenant {self.client.tenant!r} has no "
                                         "Business Central environment it can reach: create one in the Business "
                                         "Central admin center, or check the tenant is the one that runs Business "
                                         "Central.")
        return [(name, f"{name} ({kind})" if kind else name) for name, kind in environments]

    def company_choices(self) -> list[tuple[str, str]]:
        """The companies of the chosen environment; none is a setup to fix in BC."""
        companies = self.companies()
        if not companies:
            raise SyncError("not_found", f"Business Central environment {self.client.environment!r} has no company: "
                                         "create one there (or choose another environment).")
        return companies

    def check(self) -> ErpCompany:
        """The company reached. Without a company chosen, an environment with one company uses it;
        with several, the connection must say which. An environment or company that is not there
        is named, with the ones that are."""
        try:
            if not self.client.company_id:
                companies = self.company_choices()
                if len(companies) != 1:
                    listed = ", ".join(f"{name} ({ident})" for ident, name in companies)
                    raise SyncError("flow_misconfigured", f"Choose the Business Central company on the connection; "
                                                          f"the environment has {listed}.")
                self.client.company_id = companies[0][0]
            info = (self.client.get("companyInformation").get("value") or [{}])[0]
        except SyncError as exc:
            if exc.code == "not_found" or "Application_InvalidGUID" in exc.message:
                raise self._not_there(exc) from exc
            raise
        return ErpCompany(name=str(info.get("displayName") or ""),
                          organisation_number=str(info.get("taxRegistrationNumber") or ""))

    def _not_there(self, refused: SyncError) -> SyncError:
        """Which of the connection's environment and company BC does not have, with the ones it has."""
        environments = [name for name, _ in self.environment_choices()]
        if self.client.environment not in environments:
            return SyncError("not_found", f"Tenant {self.client.tenant!r} has no Business Central environment "
                                          f"{self.client.environment!r}; it has {', '.join(environments)}.")
        companies = self.company_choices()
        if self.client.company_id and self.client.company_id not in {ident for ident, _ in companies}:
            listed = ", ".join(f"{name} ({ident})" for ident, name in companies)
            return SyncError("not_found", f"Business Central environment {self.client.environment!r} has no company "
                                          f"with id {self.client.company_id!r}; it has {listed}.")
        return refused

    def bookkeeping_defaults(self) -> dict[str, int]:
        """The freight, fee and discount accounts of the company's chart, when they are posting
        accounts open to direct posting (what an Account line needs)."""
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
