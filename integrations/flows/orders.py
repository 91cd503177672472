"""Orders flow: Centra shipments -> ERP invoices, one invoice per shipment.

An order is intent; a shipment is what was sent and paid for, so it is the shipment that is
invoiced. An order shipped in two batches gives two invoices. Which shipment event makes the
invoice is the flow's trigger: created (default) or shipped. Change is detected on the shipments
themselves (their `updatedAt`), never by re-reading every open order.
"""

from mappings.centra import invoice_from_shipment

from ..connectors.centra import CentraEvents
from ..domain.errors import SyncError
from ..links import get_link
from ..models import Flow, SyncRecord
from .base import REFETCH_CHUNK, Outcome, SourceRecord, chunked, malformed
from .centra_changes import CentraSourcedFlow, ChangeSource
from .invoicing import likely_customer_key, push_invoice


def as_orders(shipments: list[dict]) -> list[dict]:
    """Shipments read with their order, as orders holding just that shipment (what `records` reads)."""
    orders = []
    for shipment in shipments:
        if not isinstance(shipment, dict) or not isinstance(shipment.get("order"), dict):
            ident = shipment.get("id") if isinstance(shipment, dict) else repr(shipment)[:40]
            orders.append({"malformed": ident})  # `records` makes it a failed record of its own
            continue
        order = shipment["order"]
        orders.append({**order, "shipments": [{k: v for k, v in shipment.items() if k != "order"}]})
    return orders


class OrdersFlow(CentraSourcedFlow):
    kind = Flow.Kind.ORDERS
    object_type = "invoice"

    def __init__(self, context):
        self.trigger = context.flow.trigger
        super().__init__(context)
        self.markets = set(self.mapping.bookkeeping.markets or [])

    def change_source(self) -> ChangeSource:
        client, events = self.source, CentraEvents(self.source)
        return ChangeSource(
            event_type="Shipment",
            page=lambda where, page, limit: as_orders(client.shipments_with_orders_page(where, page=page,
                                                                                        limit=limit)),
            by_ids=client.orders_by_id,
            ids_page=lambda where, page, limit: client.shipment_ids_page(where, page=page, limit=limit),
            from_event_refs=lambda shipment_ids: client.orders_by_id(events.order_ids_of_shipments(shipment_ids)),
        )

    def records(self, orders: list[dict]) -> list[SourceRecord]:
        records = []
        for order in orders:
            if isinstance(order, dict) and "malformed" in order:
                ident = order["malformed"]
                if self.first_time(f"shipment-{ident}"):
                    records.append(malformed(f"shipment-{ident}", f"Centra shipment {ident} came without its order."))
                continue
            if not isinstance(order, dict) or not isinstance(order.get("shipments") or [], list) or not all(
                isinstance(shipment, dict) for shipment in order.get("shipments") or []
            ):
                ident = order.get("id") if isinstance(order, dict) else repr(order)[:40]
                if self.first_time(f"order-{ident}"):
                    records.append(malformed(f"order-{ident}", f"Centra order {ident} has malformed shipments."))
                continue
            if self.markets and (order.get("market") or {}).get("name") not in self.markets:
                continue  # a market this integration does not sync (e.g. a test market)
            if self.placed_before_sync_from(order):
                continue
            for shipment in order.get("shipments") or []:
                if self._is_due(shipment) and self.first_time(str(shipment.get("id"))):
                    records.append(SourceRecord(
                        source_id=str(shipment.get("id")),
                        source_ref=str(shipment.get("number") or ""),
                        source_parent=str(order.get("id")),
                        data={"order": order, "shipment": shipment},
                    ))
        return records

    def _is_due(self, shipment: dict) -> bool:
        if self.trigger == Flow.Trigger.SHIPMENT_SHIPPED:
            return bool(shipment.get("isShipped"))
        return True

    def refetch(self, records):
        """Shipments again by id: through their order (kept on failed records), or looked up
        from the shipment when a webhook only gave its id."""
        wanted = {source_id for source_id, _ in records}
        order_ids = {parent for _, parent in records if parent}
        orphans = [int(source_id) for source_id, parent in records if not parent and source_id.isdigit()]
        events = CentraEvents(self.source)
        for chunk in chunked(orphans, REFETCH_CHUNK):
            order_ids.update(events.order_ids_of_shipments(chunk))
        for chunk in chunked(sorted(order_ids), REFETCH_CHUNK):
            yield from (r for r in self.records(self.source.orders_by_id(chunk)) if r.source_id in wanted)

    # --- pushing ----------------------------------------------------------------------------

    def links_to_read(self, records):
        customers = {likely_customer_key(record.data.get("order")) for record in records} - {None}
        return {**super().links_to_read(records), "customer": sorted(customers)}

    def process(self, record: SourceRecord) -> Outcome:
        if "malformed" in record.data:
            raise SyncError("invalid_source_data", record.data["malformed"])
        order, shipment = record.data["order"], record.data["shipment"]
        link = get_link(self.context.integration, self.object_type, record.source_id)
        if link and link.is_linked:
            return Outcome(SyncRecord.Status.SKIPPED, link.target_id, "Already invoiced.")
        invoice = invoice_from_shipment(order, shipment, self.mapping)
        return push_invoice(self.context, self.erp, invoice, object_type=self.object_type,
                            source_id=record.source_id)
