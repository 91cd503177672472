"""Orders flow: Centra shipments -> ERP invoices, one invoice per shipment.

An order is intent; a shipment is what was sent and paid for, so it is the shipment that is
invoiced. An order shipped in two batches gives two invoices. Which shipment event makes the
invoice is the flow's trigger: created (default) or shipped.
"""

import hashlib
import json

from mappings.centra import invoice_from_shipment, shipment_reference

from ..documents import Customer, Invoice
from ..errors import SyncError
from ..links import get_link, push_once
from ..models import Flow, SyncRecord
from .base import Batch, FlowKind, Outcome, SourceRecord
from .centra_changes import DEFAULT_BACKFILL_DAYS, OrderChanges


def fingerprint(document) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


class OrdersFlow(FlowKind):
    kind = Flow.Kind.ORDERS
    object_type = "invoice"

    def __init__(self, context):
        super().__init__(context)
        self.source = context.clients["source"]
        self.erp = context.clients["target"]
        flow = context.flow
        self.trigger = flow.trigger
        self.waiting: set[str] = set(flow.cursor.get("waiting", []))
        self.seen: set[str] = set()  # a sweep can meet an order twice (new, then still open)
        self.changes = OrderChanges(
            self.source,
            use_events=bool(context.integration.source.settings.get("events", False)),
            page_size=flow.batch_size,
            backfill_days=int(flow.options.get("backfill_days", DEFAULT_BACKFILL_DAYS)),
        )

    # --- fetching ---------------------------------------------------------------------------

    def _records(self, orders: list[dict]) -> list[SourceRecord]:
        records = []
        for order in orders:
            not_due_yet = False
            for shipment in order.get("shipments") or []:
                if not self._is_due(shipment):
                    not_due_yet = True
                    continue
                if str(shipment.get("id")) in self.seen:
                    continue
                self.seen.add(str(shipment.get("id")))
                records.append(SourceRecord(
                    source_id=str(shipment.get("id")),
                    source_ref=str(shipment.get("number") or ""),
                    source_parent=str(order.get("id")),
                    data={"order": order, "shipment": shipment},
                ))
            if not_due_yet:
                self.waiting.add(str(order.get("id")))
            else:
                self.waiting.discard(str(order.get("id")))
        return records

    def _is_due(self, shipment: dict) -> bool:
        if self.trigger == Flow.Trigger.SHIPMENT_SHIPPED:
            return bool(shipment.get("isShipped"))
        return True

    def batches(self, cursor):
        if self.context.full:  # sweep the whole backfill window again, keeping what we wait on
            cursor = {key: value for key, value in cursor.items() if key in ("listening", "waiting")}
        for orders, next_cursor, on_done in self.changes.batches(cursor, self.waiting):
            records = self._records(orders)
            yield Batch(records, next_cursor, on_done)

    def checkpoint(self, batch: Batch) -> dict:
        return {**batch.cursor, "waiting": sorted(self.waiting)}

    def refetch(self, records):
        wanted = {source_id for source_id, _ in records}
        order_ids = sorted({parent for _, parent in records if parent})
        for start in range(0, len(order_ids), 50):
            for record in self._records(self.source.orders_by_id(order_ids[start:start + 50])):
                if record.source_id in wanted:
                    yield record

    # --- pushing ----------------------------------------------------------------------------

    def process(self, record: SourceRecord) -> Outcome:
        order, shipment = record.data["order"], record.data["shipment"]
        link = get_link(self.context.integration, self.object_type, record.source_id)
        if link and link.is_linked:
            return Outcome(SyncRecord.Status.SKIPPED, link.target_id, "Already invoiced.")
        try:
            invoice = invoice_from_shipment(order, shipment, self.context.settings)
        except (TypeError, KeyError, AttributeError) as exc:
            raise SyncError("invalid_source_data", f"Shipment {record.source_ref} is malformed: {exc!r}") from exc
        customer_number = self.ensure_customer(invoice.customer)
        pushed = push_once(
            integration=self.context.integration,
            run=self.context.run,
            object_type=self.object_type,
            source_id=record.source_id,
            fingerprint=fingerprint(invoice),
            find=lambda: self._find_invoice(shipment),
            create=lambda: self._create_invoice(invoice, customer_number),
        )
        if pushed.already_linked:
            return Outcome(SyncRecord.Status.SKIPPED, pushed.target_id, "Already invoiced.")
        if pushed.recovered:
            return Outcome(
                SyncRecord.Status.CREATED, pushed.target_id,
                f"Invoice {pushed.target_id} found by reference {invoice.external_reference} and linked "
                "(an earlier attempt created it but its answer was lost).",
            )
        return Outcome(
            SyncRecord.Status.CREATED, pushed.target_id,
            f"Invoice {pushed.target_id}: {invoice.total} {invoice.currency}, {len(invoice.rows)} rows.",
        )

    def _find_invoice(self, shipment: dict) -> str | None:
        found = self.erp.find_invoice(shipment_reference(shipment))
        return str(found["DocumentNumber"]) if found else None

    def _create_invoice(self, invoice: Invoice, customer_number: str):
        self.erp.validate_invoice(invoice)
        return self.erp.create_invoice(invoice, customer_number)

    def ensure_customer(self, customer: Customer) -> str:
        """Stored link first, then e-mail, then create; a changed customer updates, never duplicates."""
        integration = self.context.integration
        customer_print = fingerprint(customer)
        link = get_link(integration, "customer", customer.source_id)
        if link and link.is_linked:
            if link.fingerprint != customer_print:
                self.erp.update_customer(link.target_id, customer)
                link.fingerprint = customer_print
                link.save(update_fields=["fingerprint", "updated_at"])
            return link.target_id
        pushed = push_once(
            integration=integration,
            run=self.context.run,
            object_type="customer",
            source_id=customer.source_id,
            fingerprint=customer_print,
            always_find=True,
            find=lambda: next(iter(self.erp.find_customers_by_email(customer.email)), None),
            create=lambda: self.erp.create_customer(customer),
        )
        return pushed.target_id

