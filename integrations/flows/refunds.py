"""Refunds flow: Centra returns -> ERP credit invoices, one per return.

Credit invoices come from returns (shipments in reverse), never from order cancellations. A credit
invoice credits the invoice of the shipment it returns; until that shipment is invoiced the
return waits as a retryable failure. The trigger is per flow (`options["trigger"]`): the return
completed (default, when Centra refunds) or created.
"""

from mappings.centra import MappingContext, credit_invoice_from_return

from ..errors import SyncError
from ..links import get_link
from ..models import Flow, SyncRecord
from .base import Batch, FlowKind, Outcome, SourceRecord
from .centra_changes import DEFAULT_BACKFILL_DAYS, CentraChanges, ChangeSource
from .invoicing import push_invoice

TRIGGERS = {"return_completed", "return_created"}


class RefundsFlow(FlowKind):
    kind = Flow.Kind.REFUNDS
    object_type = "credit_invoice"

    def __init__(self, context):
        super().__init__(context)
        client = context.clients["source"]
        self.erp = context.clients["target"]
        flow = context.flow
        self.trigger = flow.options.get("trigger", "return_completed")
        if self.trigger not in TRIGGERS:
            raise SyncError("flow_misconfigured", f"Refunds trigger {self.trigger!r} is not one of {sorted(TRIGGERS)}.")
        self.waiting: set[str] = set(flow.cursor.get("waiting", []))
        self.seen: set[str] = set()
        self.mapping = MappingContext.load(context.integration, self.kind)
        returns = ChangeSource(
            event_type="Return",
            page=lambda where, page, limit: client.returns_page(where, page=page, limit=limit),
            by_ids=client.returns_by_id,
            open_where={"status": ["PENDING"]},
        )
        self.changes = CentraChanges(
            client, returns,
            use_events=bool(context.integration.source.settings.get("events", False)),
            page_size=flow.batch_size,
            backfill_days=int(flow.options.get("backfill_days", DEFAULT_BACKFILL_DAYS)),
        )
        self.client = client

    def _records(self, returns: list[dict]) -> list[SourceRecord]:
        records = []
        for ret in returns:
            return_id = str(ret.get("id"))
            if self.trigger == "return_completed" and ret.get("status") != "COMPLETED":
                self.waiting.add(return_id)
                continue
            self.waiting.discard(return_id)
            if return_id in self.seen:
                continue
            self.seen.add(return_id)
            shipment_number = (ret.get("shipment") or {}).get("number")
            records.append(SourceRecord(return_id, {"return": ret}, source_ref=f"return of {shipment_number}"))
        return records

    def batches(self, cursor):
        if self.context.full:
            cursor = {key: value for key, value in cursor.items() if key in ("listening", "waiting")}
        for returns, next_cursor, on_done in self.changes.batches(cursor, self.waiting):
            yield Batch(self._records(returns), next_cursor, on_done)

    def checkpoint(self, batch: Batch) -> dict:
        return {**batch.cursor, "waiting": sorted(self.waiting)}

    def refetch(self, records):
        wanted = {source_id for source_id, _ in records}
        ids = sorted(wanted, key=int)
        for start in range(0, len(ids), 50):
            yield from (r for r in self._records(self.client.returns_by_id(ids[start:start + 50]))
                        if r.source_id in wanted)

    def process(self, record: SourceRecord) -> Outcome:
        ret = record.data["return"]
        link = get_link(self.context.integration, self.object_type, record.source_id)
        if link and link.is_linked:
            return Outcome(SyncRecord.Status.SKIPPED, link.target_id, "Credit invoice already made.")
        shipment_id = str((ret.get("shipment") or {}).get("id", ""))
        original = get_link(self.context.integration, "invoice", shipment_id)
        if not (original and original.is_linked):
            raise SyncError("original_invoice_missing",
                            f"Return {record.source_id}: shipment {shipment_id} has no invoice yet.")
        credit = credit_invoice_from_return(ret, self.mapping, original.target_id)
        return push_invoice(self.context, self.erp, credit, object_type=self.object_type, source_id=record.source_id)
