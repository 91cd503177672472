"""One sync record, asked for again: its source record goes through its flow once more.

The flow takes it through the same inbox webhooks use, so it is exactly-once like any other
record: a shipment already invoiced is skipped by its link, a failed one is pushed again.
"""

from django.db import transaction
from django.utils import timezone

from .. import audit
from ..models import Flow, SyncRecord, SyncRun
from ..queue import enqueue_flow
from ..webhooks import RECORD_TYPES, request_records


class CannotSyncAgain(ValueError):
    """The record's flow takes no records by id, or is gone."""


def flow_of(record: SyncRecord) -> Flow:
    return record.run.flow


@transaction.atomic
def sync_again(record: SyncRecord, *, user=None) -> Flow:
    """Queue the record's source record for its flow's next run, which is queued now."""
    flow = flow_of(record)
    if flow.kind not in RECORD_TYPES:
        raise CannotSyncAgain(f"The {flow.kind} flow takes no single record: run the whole flow instead.")
    request_records(flow, [record.source_id], requested_by=f"again:{timezone.now():%Y%m%dT%H%M%S}",
                    note={"record": record.pk})
    transaction.on_commit(lambda: enqueue_flow(flow, SyncRun.Trigger.MANUAL))
    label = record.source_ref or record.source_id
    audit.record(user, [flow], f"Asked to sync {record.object_type} {label} again.")
    return flow
