"""Customers flow: Centra customers -> ERP customers, matched before created, updated on change.

The orders flow matches buyers the same way (`customer_matching`), so a customer synced here and
later invoiced is one ERP customer.
"""

from mappings.centra import MappingContext, customer_from_fields, customer_source_id

from ..errors import SyncError
from ..models import Flow, SyncRecord
from .base import Batch, FlowKind, Outcome, SourceRecord
from .centra_changes import CentraChanges, ChangeSource
from .customer_matching import ensure_customer

STATUS = {"created": SyncRecord.Status.CREATED, "updated": SyncRecord.Status.UPDATED,
          "matched": SyncRecord.Status.UPDATED, "unchanged": SyncRecord.Status.SKIPPED}


class CustomersFlow(FlowKind):
    kind = Flow.Kind.CUSTOMERS
    object_type = "customer"

    def __init__(self, context):
        super().__init__(context)
        self.client = context.clients["source"]
        self.erp = context.clients["target"]
        self.mapping = MappingContext.load(context.integration, self.kind)
        customers = ChangeSource(
            event_type="Customer",
            page=lambda where, page, limit: self.client.customers_page(where, page=page, limit=limit),
            by_ids=self.client.customers_by_id,
            window_field="updatedAt",
        )
        self.changes = CentraChanges(
            self.client, customers,
            use_events=bool(context.integration.source.settings.get("events", False)),
            page_size=context.flow.batch_size,
            backfill_days=int(context.flow.options.get("backfill_days", 3650)),
        )

    def batches(self, cursor):
        if self.context.full:
            cursor = {key: value for key, value in cursor.items() if key == "listening"}
        for customers, next_cursor, on_done in self.changes.batches(cursor, set()):
            records = [SourceRecord(customer_source_id(c, c.get("email") or ""), c, source_ref=str(c.get("email")))
                       for c in customers]
            yield Batch(records, next_cursor, on_done)

    def refetch(self, records):
        # failed records carry our source id, webhooks Centra's plain customer id
        ids = [source_id.removeprefix("centra-customer-") for source_id, _ in records]
        ids = [customer_id for customer_id in ids if customer_id.isdigit()]
        for customer in self.client.customers_by_id(ids):
            yield SourceRecord(customer_source_id(customer, customer.get("email") or ""), customer,
                               source_ref=str(customer.get("email")))

    def process(self, record: SourceRecord) -> Outcome:
        mapped = self.mapping.mappings.apply(record.data)
        try:
            customer = customer_from_fields(mapped.get("Customer", {}), source_id=record.source_id,
                                            what=f"Customer {record.data.get('id')}")
        except (TypeError, KeyError, AttributeError) as exc:
            raise SyncError("invalid_source_data", f"Customer {record.source_ref} is malformed: {exc!r}") from exc
        number, happened = ensure_customer(self.context, self.erp, customer)
        messages = {
            "created": f"Created Fortnox customer {number}.",
            "updated": f"Updated Fortnox customer {number} (changed in Centra).",
            "matched": f"Matched existing Fortnox customer {number} by e-mail or organisation number; updated it.",
            "unchanged": "Unchanged.",
        }
        return Outcome(STATUS[happened], number, messages[happened])
