"""Customers flow: Centra customers -> ERP customers, matched before created, updated on change.

The orders flow matches buyers the same way (`customer_matching`), so a customer synced here and
later invoiced is one ERP customer.
"""

from mappings.centra import customer_from_fields, customer_source_id

from ..domain.errors import SyncError
from ..models import Flow, SyncRecord
from .base import Outcome, SourceRecord
from .centra_changes import CentraSourcedFlow, ChangeSource
from .customer_matching import ensure_customer

STATUS = {"created": SyncRecord.Status.CREATED, "updated": SyncRecord.Status.UPDATED,
          "matched": SyncRecord.Status.UPDATED, "unchanged": SyncRecord.Status.SKIPPED}


class CustomersFlow(CentraSourcedFlow):
    kind = Flow.Kind.CUSTOMERS
    object_type = "customer"
    default_backfill_days = 3650  # the first run brings every customer

    def change_source(self) -> ChangeSource:
        client = self.source
        return ChangeSource(
            event_type="Customer",
            page=lambda where, page, limit: client.customers_page(where, page=page, limit=limit),
            by_ids=client.customers_by_id,
            window_field="updatedAt",
        )

    def records(self, customers: list[dict]) -> list[SourceRecord]:
        return [SourceRecord(customer_source_id(c, c.get("email") or ""), c, source_ref=str(c.get("email")))
                for c in customers]

    def refetch(self, records):
        # failed records carry our source id, webhooks Centra's plain customer id
        ids = [source_id.removeprefix("centra-customer-") for source_id, _ in records]
        ids = [customer_id for customer_id in ids if customer_id.isdigit()]
        for customer in self.source.customers_by_id(ids):
            yield SourceRecord(customer_source_id(customer, customer.get("email") or ""), customer,
                               source_ref=str(customer.get("email")))

    def process(self, record: SourceRecord) -> Outcome:
        mapped = self.mapping.mappings.apply(record.data)
        try:
            # Centra's customer record says nothing of a company: is_company None keeps what the ERP has.
            customer = customer_from_fields(mapped.get("Customer", {}), source_id=record.source_id,
                                            what=f"Customer {record.data.get('id')}", is_company=None)
        except (TypeError, KeyError, AttributeError) as exc:
            raise SyncError("invalid_source_data", f"Customer {record.source_ref} is malformed: {exc!r}") from exc
        number, happened = ensure_customer(self.context, self.erp, customer)
        messages = {
            "created": f"Created {self.erp_label} customer {number}.",
            "updated": f"Updated {self.erp_label} customer {number} (changed in Centra).",
            "matched": f"Matched existing {self.erp_label} customer {number} by organisation number or e-mail; "
                       "updated what differed.",
            "unchanged": "Unchanged.",
        }
        return Outcome(STATUS[happened], number, messages[happened])
