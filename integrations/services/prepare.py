"""Get Started's "Prepare the ERP" checklist: what the connected company must hold before the
first invoice, asked of the ERP through the port (`check_setup`), so any ERP can answer.

The needs come from the integration: currencies the chosen markets sell in, the domestic VAT
rates, the accounts bookkeeping books on (OSS rows when OSS is on) and the articles configured
for freight, discount and return fees. An adapter without `check_setup` yet answers "not
checked" for every item (never "ready"), so the page says what to check by hand.
"""

from dataclasses import dataclass
from decimal import Decimal

from mappings.services import bookkeeping_for, posting_groups_of

from .. import audit
from ..connections import erp_for
from ..domain.documents import Article
from ..domain.erp import SetupItem, SetupNeeds
from .markets import Market, centra_markets, chosen_markets

DOMESTIC_RATES = (Decimal(25), Decimal(12), Decimal(6), Decimal(0))
ARTICLE_PURPOSES = {"freight_article": "shipping", "discount_article": "discounts",
                    "return_fee_article": "return fees"}


@dataclass
class Checklist:
    items: list[SetupItem]

    @property
    def ready(self) -> bool:
        return all(item.ok for item in self.items)

    @property
    def missing(self) -> list[SetupItem]:
        return [item for item in self.items if not item.ok]


def needs_of(integration, markets: list[Market]) -> tuple[SetupNeeds, list[SetupItem]]:
    """What the ERP must hold, and the items only Junipeer's own settings decide (OSS coverage,
    articles not configured)."""
    bookkeeping = bookkeeping_for(integration)
    chosen = chosen_markets(integration, markets)
    currencies = sorted({bookkeeping.home_currency, *(c for m in chosen for c in m.currencies)})
    groups = posting_groups_of(integration)
    # An ERP booking by posting groups picks the sales accounts itself: only free rows name accounts.
    accounts = [] if groups is not None else [
        ("domestic sales at 25 %", bookkeeping.sales_account_25),
        ("domestic sales at 12 %", bookkeeping.sales_account_12),
        ("domestic sales at 6 %", bookkeeping.sales_account_6),
        ("domestic sales without VAT", bookkeeping.sales_account_0),
        ("EU business sales (reverse charge)", bookkeeping.eu_reverse_charge_account),
        ("sales outside the EU", bookkeeping.export_account)]
    accounts += [("shipping", bookkeeping.freight_account), ("return fees", bookkeeping.return_fee_account)]
    if bookkeeping.discount_account:
        accounts.append(("discounts", bookkeeping.discount_account))
    local = []
    if bookkeeping.oss_enabled:
        if groups is None:
            oss = list(integration.oss_accounts.all())
            accounts += [(f"OSS sales to {row.country_code} at {row.vat_rate.normalize():f} %", row.sales_account)
                         for row in oss]
            covered = {row.country_code for row in oss}
        else:
            covered = {country for country, group in (groups.oss or {}).items() if group}
        for country in sorted({c for m in chosen for c in m.eu_countries} - covered - {bookkeeping.home_country}):
            local.append(_oss_item(country, integration.target.system.label, by_groups=groups is not None))
    elif groups is None:
        accounts.append(("EU consumer sales with Swedish VAT", bookkeeping.eu_vat_account))
    articles = []
    for field, purpose in ARTICLE_PURPOSES.items():
        number = getattr(bookkeeping, field)
        if number:
            articles.append((purpose, number))
        else:
            local.append(SetupItem("article", field, f"Article for {purpose}", True,
                                   "Not used: the row is booked on its account without an article."))
    needs = SetupNeeds(currencies=tuple(currencies), vat_rates=DOMESTIC_RATES,
                       accounts=tuple((purpose, number) for purpose, number in accounts if number),
                       articles=tuple(articles))
    return needs, local


def _oss_item(country: str, label: str, *, by_groups: bool) -> SetupItem:
    """Not blocking here: what OSS books on is chosen at the Bookkeeping step."""
    if by_groups:
        advice = (f"OSS is on and your markets sell to {country}: {label} books these sales through a VAT business "
                  f"posting group for {country} (e.g. OSS-{country}, with a VAT posting setup per VAT product group "
                  f"at {country}'s rates); create it in {label} if missing, then choose it at the Bookkeeping step. "
                  "Or turn OSS off there if you stay under the EU threshold.")
        return SetupItem("oss", country, f"OSS posting group for {country}", None, advice)
    advice = (f"OSS is on and your markets sell to {country}: create one sales account per VAT rate you charge there "
              f"in your ERP's chart (e.g. 30xx tied to {country}'s OSS VAT code), then enter them at the Bookkeeping "
              "step. Or turn OSS off there if you stay under the EU threshold.")
    return SetupItem("oss", country, f"OSS accounts for {country}", None, advice)


def checklist(integration) -> Checklist:
    """Check the connected company now (reads Centra's markets and the ERP; changes nothing)."""
    needs, local = needs_of(integration, centra_markets(integration))
    erp = erp_for(integration.target)
    check = getattr(erp, "check_setup", None)
    if check is None:
        label = integration.target.system.label
        items = [SetupItem(kind, str(key), f"{kind.replace('_', ' ').capitalize()} {key}", None,
                           f"{label} cannot be checked automatically yet: check by hand that it holds this.")
                 for kind, key in ([("currency", c) for c in needs.currencies]
                                   + [("vat_rate", r) for r in needs.vat_rates]
                                   + [("account", n) for _, n in needs.accounts]
                                   + [("article", n) for _, n in needs.articles])]
    else:
        items = check(needs)
    return Checklist(items + local)


def create_article(integration, field: str, *, user=None) -> str:
    """Create the configured freight/discount/return-fee article as a service article (where the
    ERP's API allows it); returns its number."""
    if field not in ARTICLE_PURPOSES:
        raise ValueError(f"{field} is not an article setting.")
    number = getattr(bookkeeping_for(integration), field)
    if not number:
        raise ValueError(f"No article is configured for {ARTICLE_PURPOSES[field]}.")
    erp = erp_for(integration.target)
    if erp.find_article(number) is None:
        description = ARTICLE_PURPOSES[field].capitalize()
        erp.create_article(Article(source_id=f"setup:{field}", article_number=number, description=description,
                                   service=True))
        audit.record(user, [integration], f"Created the {ARTICLE_PURPOSES[field]} article {number} in "
                                          f"{integration.target.system.label}.")
    return number
