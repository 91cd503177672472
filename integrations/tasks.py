"""The task entry points django-q2 runs (queued and scheduled through `queue.py`).

Tasks are idempotent: a run takes the flow's run lock (one running run per flow) and every push
goes through record links, so a task handed out twice does no harm.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import retention
from .connections import check_connection
from .domain.errors import SyncError
from .flows.runner import RunInProgress, run_flow
from .models import Connection, Flow, Integration, ReconciliationReport, SyncRun
from .queue import enqueue_flow, enqueue_reconciliation, taken_from_queue
from .reconciliation import ClaimLost, ReconciliationBusy, catch_up_flows, reconcile
from .scheduling import run_due_flows as run_due_flows  # a task: the schedule names it here
from .scheduling import runnable_flows

logger = logging.getLogger(__name__)


def run_flow_task(flow_id: int, trigger: str = SyncRun.Trigger.SCHEDULE, full: bool = False) -> str:
    """Run one flow now. Returns the run summary (kept by django-q as the task result)."""
    taken_from_queue(flow_id)
    flow = runnable_flows().filter(pk=flow_id).first()
    if flow is None:
        return f"flow {flow_id} is disabled, paused or gone: nothing to do"
    try:
        run = run_flow(flow, trigger, full=full)
    except RunInProgress:
        return f"{Flow.objects.get(pk=flow_id)} is already running"
    if getattr(run, "handed_over", False):  # another shop waited: the rest queues behind it
        enqueue_flow(flow, trigger)
    return f"{flow}: {run.status} {run.summary}"


def run_wizard_test_task(flow_id: int) -> str:
    """Get Started's test sync: one flow of a draft integration, on the records the owner confirmed
    (a live integration's flows run through `run_flow_task` instead)."""
    flow = (Flow.objects.filter(pk=flow_id, enabled=True, integration__status=Integration.Status.DRAFT)
            .select_related("integration__source", "integration__target").first())
    if flow is None:
        return f"flow {flow_id} is not a draft's enabled flow: nothing to test"
    try:
        run = run_flow(flow, SyncRun.Trigger.WIZARD, only_requested=True)  # just what the owner chose
    except RunInProgress:
        return f"{flow} is already running"
    return f"{flow}: {run.status} {run.summary}"


def check_connections() -> str:
    """Health-check every connection a live integration uses; recovered ones resume their flows."""
    live = Integration.Status.LIVE
    connections = Connection.objects.filter(Q(source_of__status=live) | Q(target_of__status=live)).distinct()
    results = [check_connection(connection)[0] for connection in connections]
    return f"{results.count(True)} healthy, {results.count(False)} unhealthy"


# A day a killed task left unfinished is taken up again by the next nights, for this long.
RECONCILIATION_RESUME_DAYS = 7


def reconcile_yesterday() -> str:
    """The nightly schedule: one task per live integration for yesterday, plus one for each recent
    day a killed task left unfinished (django-q gives up on a task that failed or timed out)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    live = Integration.objects.filter(status=Integration.Status.LIVE)
    days = {(integration, yesterday) for integration in live}
    unfinished = ReconciliationReport.objects.filter(
        integration__in=live, day__gte=yesterday - timedelta(days=RECONCILIATION_RESUME_DAYS), day__lt=yesterday,
    ).exclude(phase=ReconciliationReport.Phase.DONE).select_related("integration")
    days.update((report.integration, report.day) for report in unfinished)
    for integration, day in sorted(days, key=lambda pair: (pair[0].pk, pair[1])):
        enqueue_reconciliation(integration, day)
    return f"{len(days)} reconciliation task(s) queued for {live.count()} live integration(s)"


def reconcile_day_task(integration_id: int, day: str, again: bool = False) -> str:
    """Reconcile one integration's day, then queue a run of each flow its catch-up asked for records.

    Idempotent: the report's claim keeps a second task off a day being reconciled, a finished day
    is not redone unless `again`, and a killed task's successor resumes from the saved page. The
    catch-up's requests are stored before the runs are queued; a run that is never queued still
    takes them at the flow's next scheduled run.
    """
    integration = Integration.objects.select_related("source", "target").filter(
        pk=integration_id, status=Integration.Status.LIVE
    ).first()
    if integration is None:
        return f"integration {integration_id} is not live or gone: nothing to reconcile"
    try:
        report = reconcile(integration, date.fromisoformat(day), again=again)
    except (ReconciliationBusy, ClaimLost) as exc:
        return str(exc)
    except SyncError as exc:
        return f"{integration.slug} {day}: stopped ({exc.code}: {exc.message}); the next attempt resumes"
    runs = catch_up_flows(report)
    for flow in runs:
        enqueue_flow(flow, SyncRun.Trigger.SCHEDULE)
    return (f"{integration.slug} {day}: {len(report.differences)} difference(s), {report.queued_for_catch_up} "
            f"queued for catch-up; runs queued: {', '.join(flow.kind for flow in runs) or 'none'}")


def purge_expired_data() -> str:
    """The daily retention pass (integrations/retention.py). Idempotent, in short batches, and it
    stops at 80 % of the task timeout so django-q2 never kills it (nor, since `retry` exceeds
    `timeout`, hands it to a second worker); the next day's pass goes on. Returns the counts."""
    report = retention.purge(budget_seconds=settings.Q_TASK_TIMEOUT * 0.8)
    return str(report)


def deliver_partner_webhook_task(delivery_id: int) -> str:
    """One try of one partner webhook delivery (services.partner_webhooks)."""
    from .services.partner_webhooks import deliver

    return deliver(delivery_id)


def deliver_due_partner_webhooks() -> int:
    """The minute tick: partner webhook deliveries whose retry is due, tried again."""
    from .services.partner_webhooks import deliver, due_deliveries

    due = list(due_deliveries().values_list("pk", flat=True)[:500])
    for delivery_id in due:
        deliver(delivery_id)
    return len(due)
