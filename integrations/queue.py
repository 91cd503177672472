"""The one module that speaks django-q2: queuing tasks and keeping the schedules.

Task entry points live in `tasks.py` and are named here by their dotted path, so queuing a run
needs no import of the runner: services, webhooks and retries queue work without depending on the
layers above them. Tasks are idempotent (a run takes its flow's run lock and every push goes
through record links), so a task handed out twice does no harm; `Q_CLUSTER` keeps `retry` above
`timeout` so a slow task is not handed out twice in the first place.
"""

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.tasks import async_chain, async_task
from redis.exceptions import RedisError

from .models import Flow, Integration, SyncRun

logger = logging.getLogger(__name__)

# What a broker raises when it cannot be asked (Redis down, the ORM broker's database gone).
BROKER_UNREACHABLE = (OSError, DatabaseError, RedisError)

RUN_FLOW = "integrations.tasks.run_flow_task"
DUE_FLOWS_SCHEDULE = "junipeer: run due flows"
HEALTH_SCHEDULE = "junipeer: check connections"
RECONCILIATION_SCHEDULE = "junipeer: reconcile yesterday"
RETENTION_SCHEDULE = "junipeer: purge expired data"
STOCK_SCHEDULE_PREFIX = "junipeer: reconcile stock of flow "
PARTNER_DELIVERY = "integrations.tasks.deliver_partner_webhook_task"
RUN_WIZARD_TEST = "integrations.tasks.run_wizard_test_task"
PARTNER_RETRIES_SCHEDULE = "junipeer: retry partner webhooks"
DEFAULT_STOCK_RECONCILE_CRON = "0 3 * * *"

# Flows that depend on others run after them: invoices need customers, credits need invoices.
FLOW_ORDER = [Flow.Kind.PRODUCTS, Flow.Kind.CUSTOMERS, Flow.Kind.ORDERS, Flow.Kind.REFUNDS, Flow.Kind.STOCK]


def enqueue_flow(flow: Flow, trigger: str = SyncRun.Trigger.MANUAL) -> str:
    mark_queued([flow.pk])
    return async_task(RUN_FLOW, flow.pk, trigger, task_name=f"{flow} ({trigger})", group=f"flow-{flow.pk}")


def mark_queued(flow_ids: list[int]) -> None:
    Flow.objects.filter(pk__in=flow_ids).update(queued_at=timezone.now())


def taken_from_queue(flow_id: int) -> None:
    """A worker has taken a run of the flow: it no longer waits (whether or not it runs)."""
    Flow.objects.filter(pk=flow_id, queued_at__isnull=False).update(queued_at=None)


def runs_waiting(besides: Flow) -> bool:
    """Does a run of another flow wait for a worker? Asked between batches by a run with more to
    do, so one shop's backlog hands the worker over instead of holding it. A mark older than a
    task's redelivery (`retry`) is a task lost with its worker, not one waiting."""
    since = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["retry"])
    return Flow.objects.filter(queued_at__gt=since).exclude(pk=besides.pk).exists()


def due_flows_tick_waiting() -> bool:
    """Has the scheduler's latest `run_due_flows` task not run yet? Only while the scheduler is
    alive (its next tick is due within a minute): one stopped long ago leaves a last task behind
    that may never run."""
    return Schedule.objects.filter(
        name=DUE_FLOWS_SCHEDULE, task__isnull=False, next_run__gt=timezone.now() - timedelta(minutes=1),
    ).exclude(Exists(Task.objects.filter(id=OuterRef("task")))).exists()


def enqueue_flow_on_commit(flow: Flow, trigger: str) -> None:
    """Queue a run once the transaction that asked for it is committed (what it needs is stored)."""
    transaction.on_commit(lambda: enqueue_flow(flow, trigger))


def enqueue_first_sync(integration: Integration) -> list[str]:
    """Every enabled flow once, one after the other in dependency order (one chained task)."""
    flows = sorted(integration.flows.filter(enabled=True), key=lambda flow: FLOW_ORDER.index(flow.kind))
    mark_queued([flow.pk for flow in flows])
    async_chain([(RUN_FLOW, (flow.pk, SyncRun.Trigger.MANUAL)) for flow in flows],
                group=f"first-sync-{integration.pk}")
    return [flow.kind for flow in flows]


def enqueue_wizard_test(flows: list[Flow]) -> None:
    """Get Started's test sync of a draft integration: its flows once, in dependency order (one chain)."""
    ordered = sorted(flows, key=lambda flow: FLOW_ORDER.index(flow.kind))
    async_chain([(RUN_WIZARD_TEST, (flow.pk,)) for flow in ordered], group=f"wizard-test-{ordered[0].integration_id}")


def enqueue_reconciliation(integration: Integration, day: date, *, again: bool = False) -> str:
    return async_task(
        "integrations.tasks.reconcile_day_task", integration.pk, day.isoformat(), again,
        task_name=f"reconcile {integration.slug} {day}", group=f"reconcile-{integration.pk}",
    )


def enqueue_partner_delivery(delivery_id: int) -> str:
    """Send one partner webhook delivery from the queue (its retries come from the minute schedule)."""
    return async_task(PARTNER_DELIVERY, delivery_id, task_name=f"partner webhook delivery {delivery_id}",
                      group="partner-webhooks")


def task_results(stopped_before):
    """django-q2's stored results (successes and failures) of tasks that stopped before a moment."""
    return Task.objects.filter(stopped__lt=stopped_before)


# --- schedules ------------------------------------------------------------------------------------

def ensure_schedules(**kwargs) -> None:
    """The minute tick that enqueues due flows, the health checks, the nightly reconciliation, the
    daily retention purge and each stock flow's reconciliation (idempotent; run after every
    migrate and whenever flows change)."""
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
    Schedule.objects.update_or_create(
        name=PARTNER_RETRIES_SCHEDULE,
        defaults={"func": "integrations.tasks.deliver_due_partner_webhooks", "schedule_type": Schedule.MINUTES,
                  "minutes": 1, "repeats": -1},
    )
    ensure_stock_reconciliation_schedules()


def stock_schedule_name(flow: Flow) -> str:
    return f"{STOCK_SCHEDULE_PREFIX}{flow.pk}"


@transaction.atomic
def ensure_stock_reconciliation_schedules() -> list[Schedule]:
    """One cron schedule per enabled stock flow (its option `reconcile_cron`); drop those of others.

    Incremental stock runs push only what the ERP says changed; stock can still drift (a missed
    change, someone editing stock in Centra). The reconciliation is a full pass of the same flow
    that compares every SKU and corrects the drift. Needs `croniter` (django-q's cron schedules do).
    """
    kept = []
    for flow in Flow.objects.filter(kind=Flow.Kind.STOCK, enabled=True).order_by("pk"):
        cron = str(flow.options.get("reconcile_cron") or DEFAULT_STOCK_RECONCILE_CRON)
        name = stock_schedule_name(flow)
        schedule = Schedule.objects.filter(name=name).first() or Schedule(name=name)
        changed = schedule.pk is None or schedule.cron != cron
        schedule.func = RUN_FLOW
        schedule.args = repr(flow.pk)
        schedule.kwargs = repr({"trigger": SyncRun.Trigger.SCHEDULE.value, "full": True})
        schedule.schedule_type = Schedule.CRON
        schedule.cron = cron
        schedule.repeats = -1
        schedule.full_clean()  # an invalid cron is refused here, not at 03:00
        if changed:
            schedule.next_run = schedule.calculate_next_run()
        schedule.save()
        kept.append(schedule)
    Schedule.objects.filter(name__startswith=STOCK_SCHEDULE_PREFIX).exclude(pk__in=[s.pk for s in kept]).delete()
    return kept


def queue_status() -> dict:
    """The work queue at a glance for the console: tasks waiting, failed in the last 24 hours, and the
    worker clusters' last heartbeat (none seen: no worker runs, or its stats live in another process's
    cache). A constant number of queries."""
    from django_q.models import Failure
    from django_q.status import Stat

    broker = get_broker()
    try:
        queued = broker.queue_size()
    except BROKER_UNREACHABLE as exc:  # an unreachable broker is what the page must show
        return {"queued": None, "failed_24h": None, "clusters": [], "error": f"{type(exc).__name__}: {exc}"}
    clusters = [{"host": stat.host, "status": stat.status, "workers": len(stat.workers or []),
                 "heartbeat": stat.timestamp} for stat in Stat.get_all(broker=broker)]
    failed = Failure.objects.filter(stopped__gte=timezone.now() - timedelta(hours=24)).count()
    return {"queued": queued, "failed_24h": failed, "clusters": clusters, "error": ""}
