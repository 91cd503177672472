"""Retrying failed records: one by one, in bulk, and automatically with backoff.

Only the latest attempt of a source record is open (earlier ones are superseded), so repeated
failures of one record are one open error, not one per attempt. Retryable errors (rate limits,
outages, lost answers) come back on a growing backoff; after MAX_ATTEMPTS the record is parked as
dead and alerted. Errors that need a person (unknown SKU, missing e-mail) wait for a manual retry,
which always uses the latest mappings and settings because a retry is simply a new attempt in a
new run.
"""

from datetime import timedelta

from django.utils import timezone

from . import audit
from .domain.errors import describe
from .models import Flow, SyncRecord, SyncRun
from .queue import enqueue_flow

BACKOFF_SECONDS = [60, 300, 900, 3600, 4 * 3600, 12 * 3600]
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1


def after_failure(error_code: str, attempts: int, now=None, *, retry_at=None) -> dict:
    """The retry fields of a new failed record: when to try again, or dead. An error that knows
    when a retry can first succeed (a claim expiring) is retried then, not on the backoff."""
    now = now or timezone.now()
    if not describe(error_code).retryable:
        return {"next_retry_at": None, "dead": False}
    if attempts >= MAX_ATTEMPTS:
        return {"next_retry_at": None, "dead": True}
    if retry_at is not None:
        return {"next_retry_at": max(retry_at, now), "dead": False}
    return {"next_retry_at": now + timedelta(seconds=BACKOFF_SECONDS[attempts - 1]), "dead": False}


def open_failures():
    return SyncRecord.objects.open_failures()


def due_failures(flow: Flow, now=None):
    """Failed records of `flow` whose retry is due (automatic backoff or a manual retry)."""
    return open_failures().filter(run__flow=flow, dead=False, next_retry_at__lte=now or timezone.now())


def retry(records, *, user=None) -> int:
    """Make open failures due now and queue a run of each flow concerned. Returns how many."""
    records = open_failures().filter(pk__in=records.values("pk"))
    flow_ids = set(records.values_list("run__flow", flat=True))
    count = records.update(next_retry_at=timezone.now(), dead=False)
    flows = list(Flow.objects.filter(pk__in=flow_ids).select_related("integration"))
    for flow in flows:
        enqueue_flow(flow, SyncRun.Trigger.RETRY)
    audit.record(user, flows, f"Retried {count} failed record(s).")
    return count
