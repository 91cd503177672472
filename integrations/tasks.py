"""django-q2 entry points and schedules.

Tasks are idempotent: a run takes the flow's run lock (one running run per flow) and every push
goes through record links, so a task handed out twice does no harm.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django_q.models import Schedule, Task
from django_q.tasks import async_chain, async_task

from . import retention
from .connections import check_connection
from .connectors.ratelimit import Limit, shared_limiter
from .errors import SyncError
from .flows.runner import RunInProgress, run_flow
from .models import Connection, Flow, Integration, ReconciliationReport, SyncRun
from .reconciliation import ClaimLost, ReconciliationBusy, catch_up_flows, reconcile
from .webhooks import pending_run_key

logger = logging.getLogger(__name__)

DUE_FLOWS_SCHEDULE = "junipeer: run due flows"
HEALTH_SCHEDULE = "junipeer: check connections"
RECONCILIATION_SCHEDULE = "junipeer: reconcile yesterday"
RETENTION_SCHEDULE = "junipeer: purge expired data"


def runnable_flows():
    """Enabled flows of live integrations whose connections are not known to refuse us."""
    unhealthy = Connection.Health.UNHEALTHY
    return (
        Flow.objects.filter(enabled=True, integration__status=Integration.Status.LIVE)
        .exclude(integration__source__health=unhealthy)
        .exclude(integration__target__health=unhealthy)
        .select_related("integration__source", "integration__target")
    )


def run_flow_task(flow_id: int, trigger: str = SyncRun.Trigger.SCHEDULE, full: bool = False) -> str:
    """Run one flow now. Returns the run summary (kept by django-q as the task result)."""
    flow = runnable_flows().filter(pk=flow_id).first()
    if flow is None:
        return f"flow {flow_id} is disabled, paused or gone: nothing to do"
    try:
        run = run_flow(flow, trigger, full=full)
    except RunInProgress:
        return f"{Flow.objects.get(pk=flow_id)} is already running"
    return f"{flow}: {run.status} {run.summary}"


def enqueue_flow(flow: Flow, trigger: str = SyncRun.Trigger.MANUAL) -> str:
    return async_task(
        "integrations.tasks.run_flow_task", flow.pk, trigger,
        task_name=f"{flow} ({trigger})", group=f"flow-{flow.pk}",
    )


# Flows that depend on others run after them: invoices need customers, credits need invoices.
FLOW_ORDER = [Flow.Kind.PRODUCTS, Flow.Kind.CUSTOMERS, Flow.Kind.ORDERS, Flow.Kind.REFUNDS, Flow.Kind.STOCK]


def enqueue_first_sync(integration: Integration) -> list[str]:
    """Every enabled flow once, one after the other in dependency order (one chained task)."""
    flows = sorted(integration.flows.filter(enabled=True), key=lambda flow: FLOW_ORDER.index(flow.kind))
    async_chain([("integrations.tasks.run_flow_task", (flow.pk, SyncRun.Trigger.MANUAL)) for flow in flows],
                group=f"first-sync-{integration.pk}")
    return [flow.kind for flow in flows]


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


def check_connections() -> str:
    """Health-check every connection a live integration uses; recovered ones resume their flows."""
    live = Integration.Status.LIVE
    connections = Connection.objects.filter(Q(source_of__status=live) | Q(target_of__status=live)).distinct()
    results = [check_connection(connection)[0] for connection in connections]
    return f"{results.count(True)} healthy, {results.count(False)} unhealthy"


# A day a killed task left unfinished is taken up again by the next nights, for this long.
RECONCILIATION_RESUME_DAYS = 7


def enqueue_reconciliation(integration: Integration, day: date, *, again: bool = False) -> str:
    return async_task(
        "integrations.tasks.reconcile_day_task", integration.pk, day.isoformat(), again,
        task_name=f"reconcile {integration.slug} {day}", group=f"reconcile-{integration.pk}",
    )


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


def task_results_rule() -> retention.Rule:
    """django-q2's stored results (successes and failures), by when the task stopped."""
    return retention.Rule("task results", "RETENTION_TASK_RESULTS_DAYS",
                          lambda cutoff, now: Task.objects.filter(stopped__lt=cutoff))


def purge_expired_data() -> str:
    """The daily retention pass (integrations/retention.py). Idempotent, in short batches, and it
    stops at 80 % of the task timeout so django-q2 never kills it (nor, since `retry` exceeds
    `timeout`, hands it to a second worker); the next day's pass goes on. Returns the counts."""
    report = retention.purge(extra=[task_results_rule()], budget_seconds=settings.Q_TASK_TIMEOUT * 0.8)
    return str(report)


def ensure_schedules(**kwargs) -> None:
    """The minute tick that enqueues due flows, the nightly stock reconciliations and the daily
    retention purge (idempotent; run after every migrate and whenever flows change)."""
    from .schedules import ensure_stock_reconciliation_schedules

    Schedule.objects.update_or_create(
        name=DUE_FLOWS_SCHEDULE,
        defaults={"func": "integrations.tasks.run_due_flows", "schedule_type": Schedule.MINUTES, "minutes": 1,
                  "repeats": -1},
    )
    Schedule.objects.update_or_create(
        name=HEALTH_SCHEDULE,
        defaults={"func": "integrations.tasks.check_connections", "schedule_type": Schedule.MINUTES,
                  "minutes": settings.HEALTH_CHECK_MINUTES, "repeats": -1},
    )
    Schedule.objects.update_or_create(  # the cron, once set, is the operator's
        name=RECONCILIATION_SCHEDULE,
        defaults={"func": "integrations.tasks.reconcile_yesterday"},
        create_defaults={"func": "integrations.tasks.reconcile_yesterday", "schedule_type": Schedule.CRON,
                         "cron": settings.RECONCILIATION_CRON, "repeats": -1},
    )
    Schedule.objects.update_or_create(  # the cron, once set, is the operator's
        name=RETENTION_SCHEDULE,
        defaults={"func": "integrations.tasks.purge_expired_data"},
        create_defaults={"func": "integrations.tasks.purge_expired_data", "schedule_type": Schedule.CRON,
                         "cron": settings.RETENTION_CRON, "repeats": -1},
    )
    ensure_stock_reconciliation_schedules()
