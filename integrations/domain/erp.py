"""The ERP port: what flows, reconciliation, previews and health checks ask of an ERP.

It speaks documents and ids only. An adapter (one package under `connectors/`) turns documents
into its API's payloads and its answers back into ids, documents and summaries; nothing outside
an adapter reads an ERP's JSON. A second ERP implements this Protocol and proves it by passing the
contract suite in `tests/contracts/`.

Failures are `SyncError`s with catalog codes (`errors.py`), so a user reads the same advice
whatever ERP refused.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from .documents import Article, Customer, DocumentSummary, ErpCompany, Invoice, PushResult, StockLevel

# The accounts an ERP may hold defaults for, by the bookkeeping setting they fill.
ACCOUNT_ROLES = (
    "sales_account_25", "sales_account_12", "sales_account_6", "sales_account_0",
    "eu_reverse_charge_account", "eu_vat_account", "export_account", "freight_account", "return_fee_account",
    "discount_account",
)


@dataclass(frozen=True)
class SetupNeeds:
    """What an integration needs the ERP company to hold before its first invoice (Get Started's
    "Prepare the ERP" checklist): each pair is (what it is for, the code/number)."""

    currencies: tuple[str, ...] = ()
    vat_rates: tuple[Decimal, ...] = ()  # domestic rates booked on the company's own sales accounts
    accounts: tuple[tuple[str, int], ...] = ()
    articles: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class SetupItem:
    """One line of the checklist: `ok` None means this ERP could not check it (check it by hand)."""

    kind: str  # "currency" | "vat_rate" | "account" | "article" | "oss"
    key: str
    label: str
    ok: bool | None
    how_to_fix: str = ""


@runtime_checkable
class ERP(Protocol):
    """One ERP tenant, reached through one connection. One instance per run (it may cache look-ups)."""

    journal: list  # the exchanges of this instance, kept on sync records (secrets redacted)

    # --- the connection --------------------------------------------------------------------
    def check(self) -> ErpCompany:
        """The cheapest authenticated call: who we reach. Raises on refused access."""

    def bookkeeping_defaults(self) -> dict[str, int]:
        """Default accounts the ERP holds, by `ACCOUNT_ROLES` name (only the ones it has)."""

    def check_setup(self, needs: SetupNeeds) -> list[SetupItem]:
        """One item per need, in the order given: whether the company holds it and, when not, how to
        add it in this ERP. Reads only."""

    # --- invoices and credit invoices --------------------------------------------------------
    def validate_invoice(self, invoice: Invoice) -> None:
        """Raise the first thing the ERP would refuse, as a catalog error, before anything is sent."""

    def find_invoice(self, external_reference: str) -> str | None:
        """The number of the document carrying our reference, if one exists (recovers a lost create)."""

    def create_invoice(self, invoice: Invoice, customer_number: str) -> PushResult:
        """Create an invoice, or a credit invoice linked to `invoice.credit_of`."""

    def render_invoice(self, invoice: Invoice, customer_number: str) -> dict:
        """The document as the ERP would receive it (for previews); sends nothing."""

    def document_summaries(self, first_day: date, last_day: date) -> Iterable[DocumentSummary]:
        """Every invoice and credit invoice dated within the days, as summaries (reconciliation)."""

    def document_summary(self, number: str) -> DocumentSummary | None:
        """One document's summary, or None when the ERP has no such document."""

    # --- customers -----------------------------------------------------------------------------
    def find_customers_by_email(self, email: str) -> list[str]:
        """Numbers of the customers whose e-mail equals `email` (never a substring match)."""

    def find_customers_by_organisation_number(self, number: str) -> list[str]:
        """Numbers of the customers with this organisation number (dashes and spaces ignored)."""

    def customer_fields(self, customer: Customer, known: dict | None = None) -> dict:
        """The fields we would send for `customer`, given what the ERP holds or last got from us."""

    def held_customer_fields(self, customer_number: str) -> dict:
        """What the ERP holds for a customer, in the shape `customer_fields` answers."""

    def create_customer(self, customer: Customer) -> PushResult: ...

    def update_customer(self, customer_number: str, customer: Customer, fields: dict | None = None) -> PushResult:
        """Update the customer: only `fields` (from `customer_fields`) when given."""

    def render_customer(self, customer: Customer) -> dict:
        """The customer as the ERP would receive it (for previews); sends nothing."""

    # --- articles, prices and stock --------------------------------------------------------------
    def check_article_number(self, article_number: str) -> None:
        """Raise `invalid_article_number` for a number the ERP would refuse."""

    def find_article(self, article_number: str) -> str | None: ...

    def create_article(self, article: Article) -> PushResult: ...

    def update_article(self, article_number: str, article: Article) -> PushResult: ...

    def set_sales_price(self, article_number: str, price: Decimal, price_list: str | None = None) -> None:
        """The article's sales price on `price_list` (None: the ERP's default list)."""

    def stock_levels(self, since: datetime | None = None) -> list[StockLevel]:
        """Stock of the articles changed since `since` (every article when None)."""

    def stock_level(self, article_number: str) -> StockLevel | None: ...
