"""Centra Integration API (GraphQL) client.

Centra's rate-limit buckets are shared by every app on the store, so the client keeps to a share
of the plan's request quota and of its query-complexity points (every worker of a connection
drawing from one shared window each), and always honours 429 + Retry-After (see `http.ApiClient`).
Mutations answer HTTP 200 even when they fail; failure is a non-empty `userErrors`.
"""

from dataclasses import dataclass

from ...domain.errors import SyncError
from ..http import ApiClient
from ..ratelimit import Limit

# Requests and query-complexity points per 10 s by plan (centra.md §2.6; where the doc gives no
# complexity for a plan, the next lower plan's). We use HEADROOM of each: other apps share them.
PLAN_REQUESTS_PER_10S = {"fresh": 20, "growth": 60, "enhanced": 150, "high_volume": 450, "enterprise": 1500}
PLAN_COMPLEXITY_PER_10S = {"fresh": 150_000, "growth": 250_000, "enhanced": 250_000, "high_volume": 250_000,
                           "enterprise": 250_000}
HEADROOM = 0.7
# What an operation not seen yet is expected to cost, until Centra says (`extensions.complexity`).
FIRST_COMPLEXITY_ESTIMATE = 20_000

# What each operation cost when last answered, by (query, page size): Centra's cost follows the
# query and its list sizes, not the data, so the next identical request costs the same.
_complexity_seen: dict[tuple[int, object], int] = {}

MONEY = "value currency { code } conversionRate"
ADDRESS = (
    "firstName lastName companyName address1 address2 city zipCode email phoneNumber vatNumber "
    "country { code name isEU }"
)
SHIPMENT_FIELDS = f"""
    id number createdAt updatedAt isGoodToGo isPaid isCaptured capturedAt isShipped shippedAt
    grandTotal {{ {MONEY} }}
    totals {{ shipping {{ value }} discounts {{ value }} }}
    lines {{ id quantity lineValue {{ value }} orderLine {{ id }} }}
"""
ORDER_CORE_FIELDS = f"""
    id number status createdAt updatedAt orderDate
    store {{ id name type }} market {{ id name }} pricelist {{ id name }}
    grandTotal {{ {MONEY} }}
    totals {{ shipping {{ value }} discounts {{ value }} taxIncluded {{ value }} }}
    billingAddress {{ {ADDRESS} }}
    shippingAddress {{ {ADDRESS} }}
    paymentMethod {{ name }}
    ... on DirectToConsumerOrder {{ customer {{ id email firstName lastName }} }}
    lines {{
        id productName productVariantName quantity taxPercent discountPercent
        unitPrice {{ value }} unitOriginalPrice {{ value }} lineValue {{ value }}
        productSize {{ id SKU EAN }}
    }}
"""
ORDER_FIELDS = f"""{ORDER_CORE_FIELDS} shipments {{ {SHIPMENT_FIELDS} }}"""
RETURN_FIELDS = f"""
    id status createdAt updatedAt
    grandTotal {{ {MONEY} }}
    totals {{ shipping {{ value }} handling {{ value }} returnCost {{ value }} discounts {{ value }} }}
    lines {{ id quantity lineValue {{ value }} shipmentLine {{ id }} orderLine {{ id }} }}
    shipment {{ id number }}
    order {{ {ORDER_CORE_FIELDS} }}
"""
RETURNS_QUERY = f"""
query Returns($where: ReturnFilter, $limit: Int!, $page: Int!) {{
  returns(where: $where, sort: [id_ASC], limit: $limit, page: $page) {{ {RETURN_FIELDS} }}
}}
"""
SHIPMENTS_QUERY = f"""
query Shipments($where: ShipmentFilter, $limit: Int!, $page: Int!) {{
  shipments(where: $where, sort: [id_ASC], limit: $limit, page: $page) {{
    {SHIPMENT_FIELDS}
    order {{ {ORDER_CORE_FIELDS} }}
  }}
}}
"""
# Ids alone: the sweep's overlap window, where most records were handled by the previous run.
SHIPMENT_IDS_QUERY = """
query ShipmentIds($where: ShipmentFilter, $limit: Int!, $page: Int!) {
  shipments(where: $where, sort: [id_ASC], limit: $limit, page: $page) { id }
}
"""
RETURN_IDS_QUERY = """
query ReturnIds($where: ReturnFilter, $limit: Int!, $page: Int!) {
  returns(where: $where, sort: [id_ASC], limit: $limit, page: $page) { id }
}
"""
SHIPPED_QUERY = f"""
query Shipped($where: ShipmentFilter, $limit: Int!, $page: Int!) {{
  shipments(where: $where, sort: [id_ASC], limit: $limit, page: $page) {{
    id number isCaptured isShipped createdAt grandTotal {{ {MONEY} }} order {{ id market {{ name }} }}
  }}
}}
"""
CUSTOMERS_QUERY = """
query Customers($where: CustomerFilter, $limit: Int!, $page: Int!) {
  customers(where: $where, sort: [id_ASC], limit: $limit, page: $page) {
    id email firstName lastName phoneNumber createdAt updatedAt
  }
}
"""
ORDER_BY_NUMBER_QUERY = f"""
query OrderByNumber($number: [Int!]) {{
  orders(where: {{number: $number}}, limit: 1, page: 1) {{ {ORDER_FIELDS} returns {{ id }} }}
}}
"""
ORDERS_QUERY = f"""
query Orders($where: OrderFilter, $limit: Int!, $page: Int!) {{
  orders(where: $where, sort: [number_ASC], limit: $limit, page: $page) {{ {ORDER_FIELDS} }}
}}
"""


@dataclass
class CentraClient(ApiClient):
    """`complexity_limit`: our budget of the store's query-complexity points. Each request takes
    what its operation cost last time (or `first_complexity_estimate`) from a weighted window
    shared by every worker of the connection, and what Centra reports beyond that afterwards."""

    api_token: str = ""
    complexity_limit: Limit | None = None
    first_complexity_estimate: int = FIRST_COMPLEXITY_ESTIMATE

    system = "Centra"

    @staticmethod
    def plan_limit(plan: str = "growth") -> Limit:
        """Our share of the plan's request bucket, which every app on the store draws from."""
        per_10s = max(1, int(PLAN_REQUESTS_PER_10S.get(plan, PLAN_REQUESTS_PER_10S["growth"]) * HEADROOM))
        return Limit(per_10s, 10.0)

    @staticmethod
    def plan_complexity_limit(plan: str = "growth") -> Limit:
        """Our share of the plan's query-complexity bucket."""
        points = PLAN_COMPLEXITY_PER_10S.get(plan, PLAN_COMPLEXITY_PER_10S["growth"])
        return Limit(max(1, int(points * HEADROOM)), 10.0)

    @staticmethod
    def _operation(json) -> tuple[int, object] | None:
        if not isinstance(json, dict) or not isinstance(json.get("query"), str):
            return None
        variables = json.get("variables") if isinstance(json.get("variables"), dict) else {}
        return hash(json["query"]), variables.get("limit")

    def expected_complexity(self, json) -> int:
        operation = self._operation(json)
        return _complexity_seen.get(operation, self.first_complexity_estimate) if operation else 0

    def budgets(self, json):
        cost = self.expected_complexity(json)
        return [("complexity", self.complexity_limit, cost)] if self.complexity_limit and cost else []

    def spent(self, json, body) -> None:
        operation = self._operation(json)
        extensions = body.get("extensions") if isinstance(body, dict) else None
        actual = extensions.get("complexity") if isinstance(extensions, dict) else None
        if operation is None or not isinstance(actual, int) or actual < 0:
            return
        expected = self.expected_complexity(json)
        _complexity_seen[operation] = actual
        if self.complexity_limit and actual > expected:  # what we took was too little: take the rest
            self.limiter.acquire(f"{self.connection_key}:complexity", self.complexity_limit, actual - expected)

    def secrets(self):
        return [self.api_token]

    def auth_headers(self):
        return {"Authorization": f"Bearer {self.api_token}"}

    def error_from_response(self, response, body):
        message = _first_error_message(body) or f"HTTP {response.status_code}"
        if response.status_code in (401, 403):
            return SyncError("auth_expired", f"Centra refused the API token: {message}")
        return SyncError("remote_rejected", f"Centra answered {response.status_code}: {message}")

    def graphql(self, query: str, variables: dict | None = None, *, mutation: bool = False) -> dict:
        """Run one operation and return `data`; GraphQL errors become catalog errors."""
        body = self.request(
            "POST", "graphql", json={"query": query, "variables": variables or {}}, idempotent=not mutation
        )
        if not isinstance(body, dict):
            raise SyncError("bad_response", "Centra answered with something that is not a GraphQL response.")
        errors = body.get("errors") or []
        if errors:
            categories = {(e.get("extensions") or {}).get("category") for e in errors}
            message = "; ".join(str(e.get("message")) for e in errors)
            if "authentication" in categories:
                raise SyncError("auth_expired", f"Centra: {message}")
            if "authorization" in categories:
                raise SyncError("auth_forbidden", f"Centra: {message}")
            raise SyncError("bad_response", f"Centra rejected the query: {message}")
        return body.get("data") or {}

    def mutate(self, query: str, variables: dict | None = None) -> dict:
        """Run a mutation; its `userErrors` become a `remote_rejected` error."""
        data = self.graphql(query, variables, mutation=True)
        for payload in data.values():
            user_errors = (payload or {}).get("userErrors") or []
            if user_errors:
                raise SyncError("remote_rejected", "Centra: " + "; ".join(e["message"] for e in user_errors))
        return data

    # --- orders and shipments -------------------------------------------------------------

    def orders_page(self, where: dict, *, page: int, limit: int) -> list[dict]:
        return self.graphql(ORDERS_QUERY, {"where": where, "limit": limit, "page": page})["orders"]

    def orders_by_id(self, order_ids: list[str]) -> list[dict]:
        if not order_ids:
            return []
        return self.orders_page({"id": order_ids}, page=1, limit=len(order_ids))

    def order_by_number(self, number: int) -> dict | None:
        """One order by the number people see, with its shipments and the ids of its returns."""
        orders = self.graphql(ORDER_BY_NUMBER_QUERY, {"number": [int(number)]})["orders"]
        return orders[0] if orders else None

    def returns_page(self, where: dict, *, page: int, limit: int) -> list[dict]:
        return self.graphql(RETURNS_QUERY, {"where": where, "limit": limit, "page": page})["returns"]

    def return_ids_page(self, where: dict, *, page: int, limit: int) -> list[dict]:
        return self.graphql(RETURN_IDS_QUERY, {"where": where, "limit": limit, "page": page})["returns"]

    def shipment_ids_page(self, where: dict, *, page: int, limit: int) -> list[dict]:
        return self.graphql(SHIPMENT_IDS_QUERY, {"where": where, "limit": limit, "page": page})["shipments"]

    def returns_by_id(self, return_ids: list) -> list[dict]:
        ids = [int(i) for i in return_ids]
        return self.returns_page({"id": ids}, page=1, limit=len(ids)) if ids else []

    def shipments_page(self, where: dict, *, page: int, limit: int) -> list[dict]:
        """Shipments with their totals only (what reconciliation compares)."""
        return self.graphql(SHIPPED_QUERY, {"where": where, "limit": limit, "page": page})["shipments"]

    def shipments_with_orders_page(self, where: dict, *, page: int, limit: int) -> list[dict]:
        """Whole shipments, each with its order (lines, addresses, buyer): what an invoice is made of."""
        return self.graphql(SHIPMENTS_QUERY, {"where": where, "limit": limit, "page": page})["shipments"]

    def all_pages(self, fetch, where: dict, limit: int = 100) -> list[dict]:
        """Every record `fetch(where, page=, limit=)` returns, page after page."""
        records, page = [], 1
        while True:
            batch = fetch(where, page=page, limit=limit)
            records.extend(batch)
            if len(batch) < limit:
                return records
            page += 1

    def customers_page(self, where: dict, *, page: int, limit: int) -> list[dict]:
        return self.graphql(CUSTOMERS_QUERY, {"where": where, "limit": limit, "page": page})["customers"]

    def customers_by_id(self, customer_ids: list) -> list[dict]:
        ids = [int(i) for i in customer_ids]
        return self.customers_page({"id": ids}, page=1, limit=len(ids)) if ids else []

    def markets(self) -> list[dict]:
        query = "{ markets(limit: 200, page: 1) { id name assignedToCountries { code } } }"
        return self.graphql(query)["markets"]

    def check(self) -> dict:
        """Cheapest authenticated call: the rate-limit state (needs no permission)."""
        return self.graphql("{ rateLimits { type intervalSeconds quota remainingQuota } }")


def _first_error_message(body) -> str:
    if isinstance(body, dict):
        errors = body.get("errors") or []
        if errors and isinstance(errors[0], dict):
            return str(errors[0].get("message", ""))
    return ""
