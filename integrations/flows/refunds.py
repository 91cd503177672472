"""Refunds flow: Centra returns -> ERP credit invoices, one per return.

Credit invoices come from returns (shipments in reverse), never from order cancellations. A credit
invoice credits the invoice of the shipment it returns; until that shipment is invoiced the
return waits as a retryable failure. The trigger is per flow (`options["trigger"]`): the return
completed (default, when Centra refunds) or created.
"""

from mappings.centra import credit_invoice_from_return
from mappings.services import invoice_booking

from ..domain.errors import SyncError
from ..links import get_link
from ..models import Flow, SyncRecord
from .base import REFETCH_CHUNK, Outcome, SourceRecord, chunked
from .centra_changes import CentraSourcedFlow, ChangeSource
from .invoicing import likely_customer_key, push_invoice

TRIGGERS = {"return_completed", "return_created"}


class RefundsFlow(CentraSourcedFlow):
    kind = Flow.Kind.REFUNDS
    object_type = "credit_invoice"

    def __init__(self, context):
        self.trigger = context.flow.options.get("trigger", "return_completed")
        if self.trigger not in TRIGGERS:
            raise SyncError("flow_misconfigured", f"Refunds trigger {self.trigger!r} is not one of {sorted(TRIGGERS)}.")
        super().__init__(context)

    def change_source(self) -> ChangeSource:
        client = self.source
        return ChangeSource(
            event_type="Return",
            page=lambda where, page, limit: client.returns_page(where, page=page, limit=limit),
            by_ids=client.returns_by_id,
            ids_page=lambda where, page, limit: client.return_ids_page(where, page=page, limit=limit),
        )

    def records(self, returns: list[dict]) -> list[SourceRecord]:
        records = []
        for ret in returns:
            return_id = str(ret.get("id"))
            if isinstance(ret.get("order"), dict) and self.placed_before_sync_from(ret["order"]):
                continue  # its order was placed before the go-live exclusion date
            if self.trigger == "return_completed" and ret.get("status") != "COMPLETED":
                continue  # completing it bumps its updatedAt: the sweep or an event brings it again
            if self.first_time(return_id):
                shipment_number = (ret.get("shipment") or {}).get("number")
                records.append(SourceRecord(return_id, {"return": ret}, source_ref=f"return of {shipment_number}"))
        return records

    def refetch(self, records):
        wanted = {source_id for source_id, _ in records}
        for chunk in chunked(sorted(wanted, key=int), REFETCH_CHUNK):
            yield from (r for r in self.records(self.source.returns_by_id(chunk)) if r.source_id in wanted)

    def links_to_read(self, records):
        returns = [record.data["return"] for record in records]
        shipments = {str(ret["shipment"].get("id", "")) for ret in returns if isinstance(ret.get("shipment"), dict)}
        shipments.discard("")
        customers = {likely_customer_key(ret.get("order")) for ret in returns} - {None}
        return {**super().links_to_read(records), "invoice": sorted(shipments), "customer": sorted(customers)}

    def process(self, record: SourceRecord) -> Outcome:
        ret = record.data["return"]
        link = get_link(self.context.integration, self.object_type, record.source_id)
        if link and link.is_linked:
            return Outcome(SyncRecord.Status.SKIPPED, link.target_id, "Credit invoice already made.")
        shipment = ret.get("shipment") or {}
        shipment_id = str(shipment.get("id", ""))
        original = get_link(self.context.integration, "invoice", shipment_id)
        if not (original and original.is_linked):
            raise SyncError("original_invoice_missing",
                            f"Return R{record.source_id}: shipment {shipment.get('number') or shipment_id} "
                            "has no invoice from this integration yet.")
        credit = credit_invoice_from_return(ret, self.mapping, original.target_id, invoice_booking(original))
        return push_invoice(self.context, self.erp, credit, object_type=self.object_type, source_id=record.source_id)
