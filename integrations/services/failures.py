"""Failures people act on: retry them, or close them by hand with a reason (kept in the history).

The console, the shop owners' area and the partner API call these; `retries.retry` does the
retrying itself (it is also what automatic backoff builds on).
"""

from django.db import transaction
from django.utils import timezone

from .. import audit
from ..models import Flow, SyncRecord
from ..retries import retry

__all__ = ["resolve", "retry"]

RESOLUTIONS = ("resolved", "ignored")


@transaction.atomic
def resolve(records, *, reason: str, user=None, resolution: str = "resolved") -> int:
    """Close open failures by hand: `resolved` (fixed outside Junipeer, e.g. invoiced by hand) or
    `ignored` (never to be synced). The record stays in the sync log with who, when and why; a
    later attempt of the same source record (a retry, a new event) reopens nothing of this one.
    Returns how many were closed."""
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {resolution!r}")
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Say why the failure is closed: the reason stays in the history.")
    open_records = SyncRecord.objects.open_failures().filter(pk__in=records.values("pk"))
    flow_ids = set(open_records.values_list("run__flow", flat=True))
    count = open_records.update(resolution=resolution, resolution_note=reason[:5000], resolved_at=timezone.now(),
                                resolved_by=user if getattr(user, "pk", None) else None, next_retry_at=None)
    flows = list(Flow.objects.filter(pk__in=flow_ids).select_related("integration"))
    audit.record(user, flows, f"Marked {count} failed record(s) {resolution}: {reason}")
    return count
