"""A Centra address and API token checked live, before they are saved (the wizard's step 1, and
any surface where a person types them).

Each way it can go wrong gets its own message saying what to fix in Centra: an address Junipeer
may not or cannot call, a host that does not answer, an address that is no Centra Integration API,
a refused token, and a token missing a permission the chosen flows need (one probe per permission,
so every missing one is named).
"""

from dataclasses import dataclass, field

from ..connections import centra_client
from ..connectors.http import RetryPolicy
from ..connectors.urlsafety import url_problem
from ..domain.errors import SyncError
from ..models import Connection, Flow

# What each flow reads (or writes) in Centra, as (permission, probe needing it).
PROBES = {
    "Order:read": "{ orders(limit: 1, page: 1) { id } }",
    "Shipment:read": "{ shipments(limit: 1, page: 1) { id } }",
    "Return:read": "{ returns(limit: 1, page: 1) { id } }",
    "Customer:read": "{ customers(limit: 1, page: 1) { id } }",
    "Product:read": "{ products(limit: 1, page: 1) { id } }",
    "ProductSize:read": "{ productSizes(limit: 1, page: 1) { id } }",
    "Market:read": "{ markets(limit: 1, page: 1) { id } }",
    "Warehouse:read": "{ warehouses(limit: 1) { id } }",
    # The stock flow writes stock. A missing permission is a top-level authorization error (centra.md
    # §1), checked before the input is used [I]; so setStock into warehouse 0, which no store has, tells
    # the permission apart and changes nothing: with the permission, Centra answers a userError only.
    "StockChange:write": "mutation { setStock(input: {warehouse: {id: 0}, productVariants: []}) "
                         "{ userErrors { message } } }",
}
NEEDED = {
    Flow.Kind.ORDERS: ("Order:read", "Shipment:read", "Market:read"),
    Flow.Kind.REFUNDS: ("Return:read", "Order:read"),
    Flow.Kind.CUSTOMERS: ("Customer:read",),
    Flow.Kind.PRODUCTS: ("Product:read", "ProductSize:read"),
    Flow.Kind.STOCK: ("ProductSize:read", "Warehouse:read", "StockChange:write"),
}


@dataclass
class CentraCheck:
    """The verdict: `field` -> messages (`base_url`, `api_token`); empty when everything answered."""

    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, name: str, message: str) -> "CentraCheck":
        self.problems.setdefault(name, []).append(message)
        return self


def check_centra(base_url: str, api_token: str, flow_kinds=(), *, timeout: float = 10.0) -> CentraCheck:
    """Call Centra with `base_url` and `api_token` now and say what is wrong, if anything."""
    verdict = CentraCheck()
    problem = url_problem(base_url)
    if problem:
        return verdict.add("base_url", problem)
    probe = Connection(kind="centra", base_url=base_url, credentials={"api_token": api_token})
    client = centra_client(probe, retry=RetryPolicy(max_attempts=1), timeout=(5.0, timeout))
    try:
        client.check()
    except SyncError as exc:
        return _first_call_failed(verdict, exc, base_url)
    permissions = sorted({p for kind in (flow_kinds or NEEDED) for p in NEEDED.get(kind, ())})
    for permission in permissions:
        try:
            client.graphql(PROBES[permission], mutation=permission.endswith(":write"))
        except SyncError as exc:
            if exc.code != "auth_forbidden":
                return verdict.add("api_token", f"Centra failed while checking {permission}: {exc.message}")
            flows = [str(Flow.Kind(kind).label) for kind in (flow_kinds or NEEDED) if permission in NEEDED[kind]]
            verdict.add("api_token", (
                f"The token lacks the {permission} permission, which {', '.join(flows)} need. In Centra AMS open "
                f"System > API Tokens, edit this token and tick {permission} (or make a new token with it)."
            ))
    return verdict


def _first_call_failed(verdict: CentraCheck, exc: SyncError, base_url: str) -> CentraCheck:
    if exc.code == "unsafe_url":
        return verdict.add("base_url", f"Junipeer may not call this address: {exc.message}")
    if exc.code in ("upstream_unavailable", "write_outcome_unknown"):
        return verdict.add("base_url", (
            f"Nothing answered at {base_url}. Check the address: it is your Centra's address, e.g. "
            "https://brand.centra.com (without /graphql at the end)."
        ))
    if exc.code == "auth_expired":
        return verdict.add("api_token", (
            "Centra refused this API token. Copy the token again from Centra AMS > System > API Tokens "
            "(an Integration API token, not a Storefront API token), and check it is active."
        ))
    if exc.code in ("not_found", "bad_response", "remote_rejected"):
        return verdict.add("base_url", (
            f"{base_url} answered, but not as Centra's Integration API does ({exc.message}). Use the "
            "Integration API address from Centra AMS > System > API Tokens."
        ))
    return verdict.add("base_url", f"Centra could not be checked: {exc.message}")
