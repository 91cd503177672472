"""What `manage.py bench` measures, and the shop it measures it on.

The shop is a chaos world (`chaos.world.build`) with one difference in its orders: every buyer
lives in one country and always orders in that market, as real buyers do, so a customer's data
changes only when the buyer's does. The engine runs in the measuring process (`Meter` counts what
it does there: CPU, SQL statements on every thread's connection, HTTP calls by endpoint and
answer), the simulators in a separate server process, so the figures are the engine's alone.
"""

import re
import resource
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from random import Random
from types import SimpleNamespace

import requests
from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models import F

from chaos import world as worlds
from sandbox.centra import services as centra
from sandbox.faults import set_faults

FORTNOX_LIMIT = 25  # requests per tenant and 5 s (fortnox.md §2)
FORTNOX_WINDOW = 5.0
CENTRA_WINDOW = 10.0
UNLIMITED = 1_000_000
ID_SEGMENT = re.compile(r"^(\d+/[a-z]+)/[^/]+")  # "3/customers/12" -> "3/customers/{id}"
FOLDED = r"\1/{id}"
OPERATION = re.compile(rb"\b(query|mutation)\s+(\w+)")
SQL_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|%s|\?")
SQL_LISTS = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
SQL_COLUMNS = re.compile(r"^(SELECT|RETURNING)\s.*?\sFROM\s", re.S)


def max_in_window(stamps: list[float], seconds: float) -> int:
    """The most moments any half-open window [t, t + seconds) holds."""
    stamps = sorted(stamps)
    most = start = 0
    for end, moment in enumerate(stamps):
        while moment - stamps[start] >= seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def endpoint(method: str, url: str, body: bytes | None) -> tuple[str, str]:
    """(system, "METHOD path") with ids folded, e.g. ("fortnox", "GET 3/customers/{id}")."""
    path = url.split("?", 1)[0]
    for system in ("fortnox", "centra"):
        marker = f"/sandbox/{system}/"
        if marker in path:
            rest = path.split(marker, 1)[1]
            if system == "centra":
                found = OPERATION.search(body or b"")
                return system, f"{method} graphql {found.group(2).decode() if found else '{anonymous}'}"
            return system, f"{method} {ID_SEGMENT.sub(FOLDED, rest)}"
    return "other", f"{method} {path}"


def statement_shape(sql: str) -> str:
    """A statement with its values folded, e.g. `SELECT … FROM "integrations_recordlink" WHERE … IN (?)`."""
    shape = SQL_LISTS.sub("(?)", SQL_LITERALS.sub("?", " ".join(sql.split())))
    shape = SQL_COLUMNS.sub(lambda found: f"{found.group(1)} … FROM ", shape)
    return shape.replace('"', "")[:150]


def most_points_in_window(stamps: list[tuple[float, int]], seconds: float) -> int:
    """The most points any half-open window [t, t + seconds) holds, of (moment, points) pairs."""
    stamps = sorted(stamps)
    most = start = inside = 0
    for moment, points in stamps:
        inside += points
        while moment - stamps[start][0] >= seconds:
            inside -= stamps[start][1]
            start += 1
        most = max(most, inside)
    return most


@dataclass
class Call:
    system: str
    endpoint: str
    status: int
    sent: float
    answered: float
    complexity: int = 0  # Centra's query cost, as it reported it


@dataclass
class Meter:
    """Counts the engine's work in this process while `running` (a context manager)."""

    calls: list[Call] = field(default_factory=list)
    queries: int = 0
    shapes: Counter = field(default_factory=Counter)
    cpu: float = 0.0
    wall: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _on: bool = False

    def __post_init__(self):
        meter = self
        original = requests.Session.send

        def send(session, request, **kwargs):
            sent = time.time()
            response = original(session, request, **kwargs)
            answered = time.time()
            if meter._on:
                system, name = endpoint(request.method, request.url, request.body if isinstance(
                    request.body, bytes) else (request.body or "").encode())
                cost = centra_complexity(response) if system == "centra" else 0
                with meter._lock:
                    meter.calls.append(Call(system, name, response.status_code, sent, answered, cost))
            return response

        requests.Session.send = send
        connection_created.connect(self._watch, weak=False)
        from django.db import connections

        for connection in connections.all(initialized_only=True):
            self._watch(None, connection)

    def _watch(self, sender, connection, **kwargs):
        if self._count not in connection.execute_wrappers:
            connection.execute_wrappers.append(self._count)

    def _count(self, execute, sql, params, many, context):
        if self._on:
            shape = statement_shape(sql)
            with self._lock:
                self.queries += 1
                self.shapes[shape] += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self.calls, self.queries, self.shapes = [], 0, Counter()
        self._cpu0, self._wall0 = time.process_time(), time.monotonic()
        self._on = True
        return self

    def __exit__(self, *exc):
        self._on = False
        self.cpu = time.process_time() - self._cpu0
        self.wall = time.monotonic() - self._wall0

    # --- figures ------------------------------------------------------------------------------

    def of(self, system: str) -> list[Call]:
        return [call for call in self.calls if call.system == system]

    def by_endpoint(self, system: str) -> Counter:
        return Counter(call.endpoint for call in self.of(system))

    def answered_429(self, system: str) -> int:
        return sum(1 for call in self.of(system) if call.status == 429)

    def busy_seconds(self, system: str) -> float:
        """From the first request to `system` to its last answer: how long its window was in use."""
        calls = self.of(system)
        return max(call.answered for call in calls) - min(call.sent for call in calls) if calls else 0.0

    def peak_window(self, system: str, seconds: float = FORTNOX_WINDOW) -> int:
        return max_in_window([call.sent for call in self.of(system)], seconds)

    def peak_complexity(self, seconds: float = CENTRA_WINDOW) -> int:
        return most_points_in_window([(call.sent, call.complexity) for call in self.of("centra")], seconds)


def centra_complexity(response) -> int:
    try:
        return int(response.json().get("extensions", {}).get("complexity") or 0)
    except (ValueError, AttributeError, TypeError):
        return 0


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- the shop --------------------------------------------------------------------------------

def lifted(quotas: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Centra's quotas out of reach: a hundred times the plan's, at least UNLIMITED. (UNLIMITED
    alone lowered the hourly complexity quota, 30,000,000 on growth, to 1,000,000, which the
    10 x N overhead run spends: the sandbox then refused every request until the hour was over.)"""
    return {bucket: {window: max(100 * quota, UNLIMITED) for window, quota in windows.items()}
            for bucket, windows in quotas.items()}


def build_shop(site_url: str, *, shipments: int, customers: int, seed: int, limited: bool) -> worlds.World:
    """A chaos world with `shipments` shipments to invoice; `limited=False` lifts every rate limit
    (the sandbox's and the engine's) for the overhead run."""
    rng = Random(seed)
    world = worlds.build(site_url, rng, access_token_ttl=3600, customers=customers)
    if not limited:
        world.tenant.rate_limit_requests = UNLIMITED
        world.tenant.save(update_fields=["rate_limit_requests"])
        world.store.rate_limit_overrides = lifted(world.store.quotas())
        world.store.save(update_fields=["rate_limit_overrides"])
        for connection in (world.integration.source, world.integration.target):
            connection.settings = {**connection.settings, "rate_limit": {"requests": UNLIMITED, "per_seconds": 1},
                                   "complexity_limit": {"points": UNLIMITED, "per_seconds": 1}}
            connection.save(update_fields=["settings"])
    world.integration.flows.exclude(kind="orders").update(enabled=False)
    place_orders(world, shipments)
    return world


@transaction.atomic
def place_orders(world: worlds.World, count: int) -> None:
    """`count` orders of one shipment each; a buyer always orders in the market of their country."""
    rng = world.rng
    for _ in range(count):
        customer = rng.choice(world.customers)
        country, currency, rate, vat, shipping = Random(customer.pk).choice(worlds.MARKETS)  # their home
        picked = rng.sample(world.skus, k=rng.randint(1, 3))
        lines = [{"sku": sku, "quantity": rng.randint(1, 2), "unit_price": price, "original_price": price,
                  "tax_percent": Decimal(vat)} for sku, price in picked]
        order = centra.create_order(
            world.store, customer=customer, country_code=country, currency=currency, conversion_rate=Decimal(rate),
            shipping=Decimal(shipping), lines=lines,
            billing_address={"firstName": customer.first_name, "lastName": customer.last_name,
                             "address1": "Benchgatan 1", "city": "Stockholm", "zipCode": "11122",
                             "country": country, "email": customer.email},
        )
        centra.create_shipment(order)


def reload_shop(slug: str, seed: int) -> worlds.World:
    """The world of `slug` again, in another process (to place more orders in it)."""
    from integrations.models import Integration
    from sandbox.centra.models import Customer, Store
    from sandbox.fortnox.models import Tenant

    integration = Integration.objects.get(slug=slug)
    store = Store.objects.get(slug=slug)
    token = slug.removeprefix("chaos-")
    skus = [(f"{number}{variant}{size}", Decimal(price)) for number, _, variant, sizes, price in worlds.PRODUCTS
            for size in sizes]
    return worlds.World(
        token=token, store=store, erp=SimpleNamespace(tenant=Tenant.objects.get(name=f"Chaos Fashion {token} AB")),
        integration=integration,
        webhook_secret=store.webhook_secret, rng=Random(seed), skus=skus,
        customers=list(Customer.objects.filter(store=store).order_by("pk")),
    )


def set_fortnox_latency(milliseconds: int) -> None:
    """The sandbox's Fortnox answers after `milliseconds` (a realistic answer time is 150-400 ms)."""
    set_faults("fortnox", latency_ms=milliseconds)


def reset_fault_counters() -> None:
    from sandbox.models import FaultProfile

    FaultProfile.objects.update(seen_429=F("seen_429") * 0)
