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
from django.urls import reverse
from django.utils import timezone

from .domain.errors import ACCESS_REFUSED
from .domain.registry import OAUTH2
from .models import Alert, Connection, Flow, Organization, SyncRecord, SyncRun

logger = logging.getLogger(__name__)


def _recipients(alert: Alert) -> dict[str, list[str]]:
    """Who is told, by audience: staff read the console, the shop's contact its own area (/app/)."""
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    emails = set(staff.values_list("email", flat=True))
    integration = alert.integration or (alert.flow.integration if alert.flow else None)
    organization_id = integration.organization_id if integration else getattr(alert.connection, "organization_id", None)
    contact = Organization.objects.filter(pk=organization_id).values_list("contact_email", flat=True).first()
    shop = [contact] if contact and contact not in emails else []
    return {"staff": sorted(emails), "shop": shop}


def _links(alert: Alert, audience: str) -> str:
    """Where the mail sends its reader. The shop's contact cannot open the console: its mail links
    to the alert in the shop's own area and, for a connection, to the page there that reconnects
    it. Staff get the console's alerts and the connection's staff reconnect link."""
    if audience == "shop":
        links = [f"See {settings.SITE_URL}{reverse('onboarding:alert', args=[alert.pk])}"]
        if alert.connection_id:
            path = reverse("onboarding:connection", args=[alert.connection_id])
            links.append(f"Fix the connection: {settings.SITE_URL}{path}")
    else:
        links = [f"See {settings.SITE_URL}{reverse('admin:integrations_alert_changelist')}"]
        if alert.connection_id:
            links.append(f"Fix the connection: {reconnect_url(alert.connection)}")
    return "\n".join(links)


def _mail(alert: Alert) -> None:
    for audience, recipients in _recipients(alert).items():
        if not recipients:
            continue
        try:
            send_mail(f"[Junipeer] {alert.title}", f"{alert.message}\n\n{_links(alert, audience)}", None,
                      recipients)
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


def refusing_connections(run: SyncRun) -> list[Connection]:
    """The connections whose refusal of our access stopped `run` (its health checks marked them
    unhealthy). Their alert speaks for the run: one problem, one alert, however many flows met it."""
    if run.error_code not in ACCESS_REFUSED:
        return []
    integration = run.flow.integration
    return list(Connection.objects.filter(pk__in=[integration.source_id, integration.target_id],
                                          health=Connection.Health.UNHEALTHY))


def after_run(run: SyncRun) -> None:
    """Open or close the alerts a finished run speaks to."""
    flow: Flow = run.flow
    about = {"flow": flow, "integration": flow.integration}
    subject = f"flow:{flow.pk}:run"
    if run.status != SyncRun.Status.FAILED:
        resolve(subject)
    elif not refusing_connections(run):
        open_alert(Alert.Kind.RUN_FAILED, subject, f"{flow}: run failed",
                   f"Run {run.pk} of {flow} failed [{run.error_code}]: {run.error_message}", **about)
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


def reconnect_url(connection: Connection) -> str:
    """Where staff restore a connection's access: an OAuth2 system through the shop's consent, a
    token system by entering a new API token on the connection's page."""
    if connection.system.auth == OAUTH2:
        path = reverse("integrations:reconnect", args=[connection.pk])
    else:
        path = reverse("admin:integrations_connection_change", args=[connection.pk])
    return f"{settings.SITE_URL}{path}"


def access_advice(connection: Connection) -> str:
    """What to do when `connection` refuses our access. No link: the alert is read by staff and by
    the shop, who fix it in different places; each reader's mail and page carry their own."""
    label = connection.system.label
    if connection.system.auth == OAUTH2:
        return f"Reconnect {label} (the shop approves Junipeer again in {label})."
    return f"Enter a new {label} API token on the connection."


def connection_health_changed(connection: Connection, healthy: bool, message: str, code: str = "") -> None:
    subject = f"connection:{connection.pk}"
    if healthy:
        resolve(subject)
        return
    enabled = Flow.objects.using_connection(connection).filter(enabled=True).select_related("integration")
    flows = sorted(str(flow) for flow in enabled)
    paused = (f"Its flows are paused ({', '.join(flows) or 'none enabled'}). Nothing is marked failed and nothing "
              "is lost: they resume from where they stopped once it answers again.")
    if code in ACCESS_REFUSED:
        open_alert(Alert.Kind.CONNECTION_UNHEALTHY, subject, f"{connection} refused our access",
                   f"{connection} refused our access: {message}\n{access_advice(connection)}\n{paused}",
                   connection=connection)
    else:
        open_alert(Alert.Kind.CONNECTION_UNHEALTHY, subject, f"{connection} is unhealthy",
                   f"{connection} did not answer: {message}\n{paused} The health check tries again every "
                   f"{settings.HEALTH_CHECK_MINUTES} minutes.", connection=connection)
