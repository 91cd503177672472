"""Centra's events queue (centra.md §5.2)."""

from dataclasses import dataclass

from .client import CentraClient

EVENTS_QUERY = """
query Events($types: [EventObjectType!], $limit: Int) {
  events(where: {objectType: $types}, limit: $limit) {
    id objectType changeType objectReference
  }
}
"""
SHIPMENT_ORDERS_QUERY = """
query ShipmentOrders($ids: [Int!], $limit: Int!) {
  shipments(where: {id: $ids}, limit: $limit, page: 1) { id order { id } }
}
"""


@dataclass
class CentraEvents:
    """The events queue (centra.md §5.2): oldest unconfirmed first, confirmed in batches."""

    client: CentraClient

    def listen(self, object_types: list[str]) -> None:
        self.client.mutate(
            "mutation Listen($input: [EventListenerInput!]!) "
            "{ setEventListeners(input: $input) { userErrors { message path } } }",
            {"input": [{"objectType": t} for t in object_types]},
        )

    def pending(self, object_types: list[str], limit: int) -> list[dict]:
        return self.client.graphql(EVENTS_QUERY, {"types": object_types, "limit": limit})["events"]

    def confirm(self, event_ids: list[int]) -> None:
        if event_ids:
            self.client.mutate(
                "mutation Confirm($ids: [Int!]!) { confirmEvents(input: {eventsIds: $ids}) "
                "{ userErrors { message path } } }",
                {"ids": event_ids},
            )

    def order_ids_of_shipments(self, shipment_ids: list[int]) -> list[str]:
        if not shipment_ids:
            return []
        rows = self.client.graphql(SHIPMENT_ORDERS_QUERY, {"ids": shipment_ids, "limit": len(shipment_ids)})
        return list(dict.fromkeys(row["order"]["id"] for row in rows["shipments"] if row.get("order")))
