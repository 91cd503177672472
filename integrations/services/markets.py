"""Centra's markets as a shop owner chooses among them: which ones look like test or inactive
markets (flagged, not chosen by default) and which currencies each one sells in."""

from dataclasses import dataclass, field

from mappings.services import bookkeeping_for

from ..connections import centra_client

MARKETS_QUERY = """{
  markets(limit: 200, page: 1) { id name assignedToCountries { code isEU } }
  pricelists(limit: 200, page: 1) { id name status currency { code } assignedToCountries { code } }
}"""


def market_flags(market: dict) -> list[str]:
    """Why a market is probably not one to sync: a test market, or one no country can buy in."""
    flags = []
    if "test" in market.get("name", "").lower():
        flags.append("test market")
    if not market.get("assignedToCountries"):
        flags.append("inactive: no countries")
    return flags


@dataclass
class Market:
    name: str
    countries: list[str]
    eu_countries: list[str]
    currencies: list[str]
    flags: list[str] = field(default_factory=list)

    @property
    def suggested(self) -> bool:
        """Chosen by default: not a test market and some country can buy in it."""
        return not self.flags


def centra_markets(integration) -> list[Market]:
    """The store's markets with their countries and the currencies of the active pricelists
    sold in those countries (one GraphQL call)."""
    answer = centra_client(integration.source).graphql(MARKETS_QUERY)
    pricelists = [p for p in answer.get("pricelists") or [] if str(p.get("status", "active")).lower() == "active"]
    markets = []
    for market in answer.get("markets") or []:
        countries = [c["code"] for c in market.get("assignedToCountries") or []]
        currencies = sorted({p["currency"]["code"] for p in pricelists
                             if {c["code"] for c in p.get("assignedToCountries") or []} & set(countries)})
        markets.append(Market(
            name=market["name"], countries=countries, currencies=currencies, flags=market_flags(market),
            eu_countries=[c["code"] for c in market.get("assignedToCountries") or [] if c.get("isEU")],
        ))
    return markets


def chosen_markets(integration, markets: list[Market]) -> list[Market]:
    """The markets the integration syncs: its bookkeeping's list, else every unflagged one."""
    names = set(bookkeeping_for(integration).markets or [])
    return [m for m in markets if m.name in names] if names else [m for m in markets if m.suggested]
