"""Which flows run, and queuing those the schedule says are due (`run_due_flows`, the scheduler's
tick; also run by a busy run that finds the tick waiting for a worker, see `flows.runner`)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from .connectors.ratelimit import Limit, shared_limiter
from .models import Connection, Flow, Integration, SyncRun
from .queue import enqueue_flow
from .webhooks import pending_run_key

logger = logging.getLogger(__name__)


def runnable_flows():
    """Enabled flows of live integrations whose connections are not known to refuse us."""
    unhealthy = Connection.Health.UNHEALTHY
    return (
        Flow.objects.filter(enabled=True, integration__status=Integration.Status.LIVE)
        .exclude(integration__source__health=unhealthy)
        .exclude(integration__target__health=unhealthy)
        .select_related("integration__source", "integration__target")
    )


def queued_run_slot() -> Limit:
    """One queued run per flow. The slot is held from the moment a run is queued until the run
    starts (`webhooks.pending_records` frees it); a task lost with a killed worker frees it after
    RUN_STALE_SECONDS, the patience a running run gets before it is taken for dead."""
    return Limit(1, settings.RUN_STALE_SECONDS)


def run_due_flows() -> int:
    """Enqueue every enabled flow whose schedule is due, that is not running and not already queued.

    Only an alive run (see `SyncRun.objects.alive`) counts as running. A run whose worker stopped
    beating leaves its flow due at once, whatever its schedule: the new run marks the dead one
    abandoned and resumes from the flow's cursor. A flow waiting in the queue holds its pending-run
    slot (the one webhook runs take), so a busy queue does not get one more copy every tick.
    """
    now = timezone.now()
    runs = SyncRun.objects.filter(flow=OuterRef("pk"))
    flows = runnable_flows().annotate(
        last_started=Max("runs__started_at"),
        has_alive_run=Exists(runs.alive(now)),
        has_stale_run=Exists(runs.stale(now)),
    )
    enqueued = 0
    for flow in flows:
        if flow.has_alive_run:
            continue
        recent = flow.last_started and flow.last_started > now - timedelta(minutes=flow.schedule_minutes)
        if recent and not flow.has_stale_run:
            continue
        if not shared_limiter().try_acquire(pending_run_key(flow), queued_run_slot()):
            continue
        if flow.has_stale_run:
            logger.warning("%s: its running run stopped beating %s s ago or more; queuing a run to take over",
                           flow, settings.RUN_STALE_SECONDS)
        enqueue_flow(flow, SyncRun.Trigger.SCHEDULE)
        enqueued += 1
    return enqueued
