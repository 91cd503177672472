"""Static reference data of a simulated tenant: countries, currencies and rate-limit plans.

Centra keeps countries and currencies as tenant data; every tenant we simulate has the same set,
so a fixed table is enough and keeps the ids stable across stores.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    id: int
    code: str
    name: str
    continent: str
    is_eu: bool


@dataclass(frozen=True)
class Currency:
    id: int
    code: str
    name: str


COUNTRIES = {
    c.code: c
    for c in (
        Country(1, "SE", "Sweden", "Europe", True),
        Country(2, "DK", "Denmark", "Europe", True),
        Country(3, "FI", "Finland", "Europe", True),
        Country(4, "DE", "Germany", "Europe", True),
        Country(5, "NL", "Netherlands", "Europe", True),
        Country(6, "FR", "France", "Europe", True),
        Country(7, "NO", "Norway", "Europe", False),
        Country(8, "CH", "Switzerland", "Europe", False),
        Country(9, "GB", "United Kingdom", "Europe", False),
        Country(10, "US", "United States", "North America", False),
    )
}

@dataclass(frozen=True)
class State:
    id: int
    country: str
    code: str
    name: str


# Countries with states or provinces (`Country.states`, `Address.state`); a few are enough here.
STATES = {
    (s.country, s.code): s
    for s in (
        State(1, "US", "CA", "California"),
        State(2, "US", "NY", "New York"),
        State(3, "US", "TX", "Texas"),
        State(4, "US", "WA", "Washington"),
    )
}

CURRENCIES = {
    c.code: c
    for c in (
        Currency(1, "SEK", "Swedish krona"),
        Currency(2, "EUR", "Euro"),
        Currency(3, "NOK", "Norwegian krone"),
        Currency(4, "DKK", "Danish krone"),
        Currency(5, "GBP", "Pound sterling"),
        Currency(6, "USD", "US dollar"),
        Currency(7, "CHF", "Swiss franc"),
    )
}

TEN_SECONDS = "TEN_SECONDS"
ONE_HOUR = "ONE_HOUR"
WINDOW_SECONDS = {TEN_SECONDS: 10, ONE_HOUR: 3600}
REQUEST_COUNT = "REQUEST_COUNT"
MUTATION_COUNT = "MUTATION_COUNT"
QUERY_COMPLEXITY = "QUERY_COMPLEXITY"


def _plan(requests, mutations, complexity):
    return {
        REQUEST_COUNT: dict(zip((TEN_SECONDS, ONE_HOUR), requests, strict=True)),
        MUTATION_COUNT: dict(zip((TEN_SECONDS, ONE_HOUR), mutations, strict=True)),
        QUERY_COMPLEXITY: dict(zip((TEN_SECONDS, ONE_HOUR), complexity, strict=True)),
    }


# centra.md §2.6. "fresh" is the older per-instance table; the others are the 2025 plans. Where the
# doc gives no number for a plan's mutation/complexity buckets, the next lower plan's is reused
# [I] (simulated) — override per store with `Store.rate_limit_overrides`.
PLANS = {
    "fresh": _plan((20, 10_000), (100, 1_000), (150_000, 20_000_000)),
    "growth": _plan((60, 5_000), (20, 1_800), (250_000, 30_000_000)),
    "enhanced": _plan((150, 20_000), (50, 4_500), (250_000, 30_000_000)),
    "high_volume": _plan((450, 40_000), (50, 4_500), (250_000, 30_000_000)),
    "enterprise": _plan((1_500, 85_000), (50, 4_500), (250_000, 30_000_000)),
}

# Every permission the simulator checks; the default demo token holds all of them.
PERMISSIONS = (
    "Order:read", "Order:write", "Order.shippingAddress:read", "Order.billingAddress:read",
    "PaymentHistory:read", "Shipment:read", "Shipment:write", "Shipment.shippingAddress:read",
    "Return:read", "Return:write", "Customer:read", "Product:read", "ProductVariant:read",
    "ProductSize:read", "ProductSize.stockTotals:read", "StockChange:write", "Warehouse:read",
    "Market:read", "Pricelist:read", "Store:read", "Event:read", "Event:write",
    "Pricelist:write",  # [?] SIMULATED: setPrices' permission is not documented
    "Order.isLocked:write",  # [I] setOrdersLock's permission, by the doc's naming pattern (§1)
)
