"""Alerts: a failed run, too many failures, records out of retries, an unhealthy connection.

Staff and the shop's contact get one e-mail when an alert opens; while it stays open, repeats
only bump its count (a record failing every five minutes is one problem, not hundreds of mails).
An alert closes when its cause goes away (a run succeeds, a connection answers again) or when
someone resolves it in the console.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import Alert, Connection, Flow, Organization, SyncRecord, SyncRun

logger = logging.getLogger(__name__)


def _recipients(alert: Alert) -> list[str]:
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    emails = set(staff.values_list("email", flat=True))
    integration = alert.integration or (alert.flow.integration if alert.flow else None)
    organization_id = integration.organization_id if integration else getattr(alert.connection, "organization_id", None)
    contact = Organization.objects.filter(pk=organization_id).values_list("contact_email", flat=True).first()
    if contact:
        emails.add(contact)
    return sorted(emails)


def _mail(alert: Alert) -> None:
    recipients = _recipients(alert)
    if not recipients:
        return
    try:
        send_mail(f"[Junipeer] {alert.title}", f"{alert.message}\n\nSee {settings.SITE_URL}/admin/integrations/alert/",
                  None, recipients)
    except Exception:  # a mail outage must not hide the alert itself, which is already stored
        logger.exception("could not e-mail alert %s", alert.pk)


def open_alert(kind: str, subject: str, title: str, message: str, **about) -> Alert:
    """Open an alert for `subject`, or count one more occurrence of the open one."""
    bumped = Alert.objects.filter(subject=subject, resolved_at__isnull=True).update(
        occurrences=F("occurrences") + 1, message=message, last_seen_at=timezone.now()
    )
    if bumped:
        return Alert.objects.get(subject=subject, resolved_at__isnull=True)
    try:
        with transaction.atomic():
            alert = Alert.objects.create(kind=kind, subject=subject, title=title, message=message, **about)
    except IntegrityError:  # another worker opened it a moment ago
        return open_alert(kind, subject, title, message, **about)
    _mail(alert)
    return alert


def resolve(subject: str, *, user=None) -> int:
    return Alert.objects.filter(subject=subject, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=user
    )


def after_run(run: SyncRun) -> None:
    """Open or close the alerts a finished run speaks to."""
    flow: Flow = run.flow
    about = {"flow": flow, "integration": flow.integration}
    subject = f"flow:{flow.pk}:run"
    if run.status == SyncRun.Status.FAILED:
        open_alert(Alert.Kind.RUN_FAILED, subject, f"{flow}: run failed",
                   f"Run {run.pk} of {flow} failed [{run.error_code}]: {run.error_message}", **about)
    else:
        resolve(subject)
    handled = run.created + run.updated + run.failed
    if (run.failed >= settings.ALERT_MIN_FAILED_RECORDS
            and run.failed / max(handled, 1) >= settings.ALERT_FAILED_SHARE):
        open_alert(Alert.Kind.FAILURE_THRESHOLD, f"flow:{flow.pk}:failures", f"{flow}: many failed records",
                   f"Run {run.pk}: {run.failed} of {handled} records failed. Look at the sync records by error code.",
                   **about)
    dead = SyncRecord.objects.filter(run=run, dead=True).count()
    if dead:
        open_alert(Alert.Kind.RECORDS_DEAD, f"flow:{flow.pk}:dead", f"{flow}: records out of retries",
                   f"{dead} record(s) failed every automatic retry; retry them by hand once the cause is fixed.",
                   **about)


def connection_health_changed(connection: Connection, healthy: bool, message: str) -> None:
    subject = f"connection:{connection.pk}"
    if healthy:
        resolve(subject)
    else:
        open_alert(Alert.Kind.CONNECTION_UNHEALTHY, subject, f"{connection} is unhealthy",
                   f"{connection} refused us: {message}. Its flows are paused until it answers again.",
                   connection=connection)
