"""The nightly stock reconciliation: one django-q cron schedule per enabled stock flow.

Incremental stock runs push only what Fortnox says changed; stock can still drift (a missed
change, someone editing stock in Centra). The reconciliation is a full pass of the same flow
that compares every SKU and corrects the drift. Its cron is the flow option `reconcile_cron`.
Needs `croniter` (django-q's cron schedules do).
"""

from django.db import transaction
from django_q.models import Schedule

from .models import Flow, SyncRun

DEFAULT_RECONCILE_CRON = "0 3 * * *"
NAME_PREFIX = "junipeer: reconcile stock of flow "
TASK = "integrations.tasks.run_flow_task"


def schedule_name(flow: Flow) -> str:
    return f"{NAME_PREFIX}{flow.pk}"


@transaction.atomic
def ensure_stock_reconciliation_schedules() -> list[Schedule]:
    """Create or update the schedule of every enabled stock flow; drop those of other flows.

    Idempotent: run it after migrate and whenever flows change.
    """
    flows = Flow.objects.filter(kind=Flow.Kind.STOCK, enabled=True).order_by("pk")
    kept = []
    for flow in flows:
        cron = str(flow.options.get("reconcile_cron") or DEFAULT_RECONCILE_CRON)
        schedule = Schedule.objects.filter(name=schedule_name(flow)).first() or Schedule(name=schedule_name(flow))
        changed = schedule.pk is None or schedule.cron != cron
        schedule.func = TASK
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
    Schedule.objects.filter(name__startswith=NAME_PREFIX).exclude(pk__in=[s.pk for s in kept]).delete()
    return kept
