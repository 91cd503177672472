"""Who reconciles a day, and how far they got.

A task claims the day's report with a lease (one conditional UPDATE: of two tasks, one wins) and
renews it with every page it saves, together with that page's results and the next page. A task
that finds the day claimed under a live lease leaves it alone; one that finds it finished does
nothing unless asked to start again. A killed task keeps its claim until the lease runs out,
then the next task (django-q's redelivery, or the next night) takes over from the saved page.

The lease is shorter than the gap between django-q's timeout and its retry (Q_CLUSTER), so a
task redelivered after its first delivery was killed always finds the lease run out. A task
slower than its lease can be taken over while it still lives; it notices at its next save
(`ClaimLost`) and stops, so two tasks never both write a report.
"""

import uuid
from datetime import date, timedelta

from django.db.models import F, Q
from django.utils import timezone

from ..models import Integration, ReconciliationReport

LEASE = timedelta(seconds=180)
Phase = ReconciliationReport.Phase

FROM_THE_TOP = {
    "phase": Phase.SHIPMENTS, "page": 1, "shipments": 0, "invoices_matched": 0, "returns": 0, "credits_matched": 0,
    "waiting": 0, "differences": [], "queued_for_catch_up": 0, "finished_at": None,
}


class ReconciliationBusy(Exception):
    """Another task is reconciling this day now (its lease holds)."""


class ClaimLost(Exception):
    """This task's lease ran out and another task took the day over."""


def claim(integration: Integration, day: date, *, again: bool = False) -> tuple[ReconciliationReport, str]:
    """The day's report and this task's claim on it ("" when the day is finished and not asked
    `again`). Raises ReconciliationBusy while another task's lease holds."""
    report, _ = ReconciliationReport.objects.get_or_create(integration=integration, day=day)
    now = timezone.now()
    token = uuid.uuid4().hex
    free = ReconciliationReport.objects.filter(
        Q(claimed_by="") | Q(lease_until__isnull=True) | Q(lease_until__lt=now), pk=report.pk
    )
    held = {"claimed_by": token, "lease_until": now + LEASE, "error": ""}
    if again:
        taken = free.update(**held, **FROM_THE_TOP, passes=F("passes") + 1, started_at=now)
    else:
        taken = free.exclude(phase=Phase.DONE).update(**held)
    report.refresh_from_db()
    if not taken:
        if report.finished:
            return report, ""
        raise ReconciliationBusy(f"{integration.slug} {day} is being reconciled by another task "
                                 f"(until {report.lease_until:%H:%M:%S} at the latest)")
    if not report.passes:  # first time: this is pass 1
        ReconciliationReport.objects.filter(pk=report.pk, claimed_by=token).update(passes=1, started_at=now)
        report.refresh_from_db()
    return report, token


def save(report: ReconciliationReport, token: str, **fields) -> None:
    """Write progress under this task's claim and renew its lease; ClaimLost if it was taken over."""
    fields["lease_until"] = timezone.now() + LEASE
    if not ReconciliationReport.objects.filter(pk=report.pk, claimed_by=token).update(**fields):
        raise ClaimLost(f"reconciliation of {report.integration_id} {report.day} was taken over by another task")
    for name, value in fields.items():
        setattr(report, name, value)


def release(report: ReconciliationReport, token: str, error: str = "") -> None:
    """Let go of the day (finished, or stopped by an error the next attempt may not meet)."""
    ReconciliationReport.objects.filter(pk=report.pk, claimed_by=token).update(
        claimed_by="", lease_until=None, error=error[:5000]
    )
