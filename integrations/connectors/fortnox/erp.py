"""Fortnox as an ERP: turns domain documents into Fortnox payloads and checks them first.

Everything Fortnox would refuse is caught with a catalog code that says what to do, before a
request is sent: unknown article or currency, values over Fortnox's field lengths, more than 500
rows, article numbers with characters Fortnox refuses. One instance per run: it caches look-ups.
"""

from dataclasses import dataclass, field

from .articles import ArticlesMixin
from .client import FortnoxClient
from .credits import CreditsMixin
from .customers import CustomersMixin
from .invoices import InvoicesMixin
from .prices import PricesMixin
from .summaries import SummariesMixin


@dataclass
class FortnoxERP(ArticlesMixin, CreditsMixin, CustomersMixin, InvoicesMixin, PricesMixin, SummariesMixin):
    """The ERP protocol, spoken by Fortnox."""

    client: FortnoxClient
    home_country: str = "SE"
    _currencies: set[str] | None = None
    _articles: dict[str, bool] = field(default_factory=dict)
    _price_lists: dict[str, bool] = field(default_factory=dict)

    @property
    def journal(self):
        return self.client.journal

    def check(self) -> dict:
        return self.client.get("companyinformation")
