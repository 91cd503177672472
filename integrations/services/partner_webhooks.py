"""Outgoing webhooks for partners: run failed, record failed (a new open failure), connection
unhealthy, alert opened. Each event becomes one delivery per subscribed webhook, stored first
(integrations/partner_events.py) and sent from the queue, signed with the webhook's secret,
retried on a backoff, every try logged.

Signature: header `Junipeer-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so a
receiver checks the body and refuses replays older than a few minutes.
"""

import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta

import requests
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .. import audit
from ..connectors.urlsafety import GuardedAdapter, UrlPolicy
from ..models import Alert, PartnerWebhook, PartnerWebhookDelivery, SyncRecord
from ..partner_events import emit, partner_of, records_failed

SIGNATURE_HEADER = "Junipeer-Signature"
BACKOFF_SECONDS = [30, 120, 600, 1800, 7200, 21600]
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
TIMEOUT_SECONDS = 10
CLAIM_SECONDS = 3 * TIMEOUT_SECONDS  # a worker that died mid-try leaves the delivery due again after this


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def register(partner, *, url: str, events: list[str], user=None) -> tuple[PartnerWebhook, str]:
    """A webhook and its signing secret (returned once; rotate it to get another)."""
    secret = new_secret()
    webhook = PartnerWebhook.objects.create(partner=partner, url=url, events=events, secret={"secret": secret})
    audit.record(user, [webhook], f"Registered the webhook {url} for {', '.join(events) or 'every event'}.")
    return webhook, secret


def rotate_secret(webhook: PartnerWebhook, *, user=None) -> str:
    secret = new_secret()
    webhook.secret = {"secret": secret}
    webhook.save(update_fields=["secret"])
    audit.record(user, [webhook], "Rotated the webhook's signing secret; the old one no longer signs.")
    return secret


def sign(secret: str, body: bytes, now: int | None = None) -> str:
    stamp = int(now if now is not None else time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def guarded_session() -> requests.Session:
    """Partners type these URLs: every hop is checked like any outbound call (no private hosts)."""
    session = requests.Session()
    adapter = GuardedAdapter(UrlPolicy.from_settings())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def deliver(delivery_id: int, *, session: requests.Session | None = None) -> str:
    """One try of one delivery, if it is due; a failure is scheduled again on the backoff until out
    of tries. The try is claimed first (its next attempt moved past the call's timeout), so the task
    queued for it and the minute sweep of due deliveries never both send it."""
    now = timezone.now()
    claimed = PartnerWebhookDelivery.objects.filter(
        pk=delivery_id, status=PartnerWebhookDelivery.Status.PENDING, next_attempt_at__lte=now,
    ).update(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    if not claimed:
        return "nothing to deliver"
    delivery = PartnerWebhookDelivery.objects.select_related("webhook").get(pk=delivery_id)
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(delivery.webhook.secret["secret"], body),
               "Junipeer-Event": delivery.event, "Junipeer-Delivery": delivery.event_id}
    delivery.attempts += 1
    try:
        answer = (session or guarded_session()).post(delivery.webhook.url, data=body, headers=headers,
                                                     timeout=TIMEOUT_SECONDS, allow_redirects=False)
        delivery.last_status_code = answer.status_code
        ok = 200 <= answer.status_code < 300
        delivery.last_error = "" if ok else f"Answered HTTP {answer.status_code}."
    except requests.RequestException as exc:
        ok, delivery.last_error = False, f"{type(exc).__name__}: {exc}"[:2000]
    if ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            PartnerWebhookDelivery.Status.DELIVERED, timezone.now(), None)
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = PartnerWebhookDelivery.Status.FAILED, None
    else:
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=BACKOFF_SECONDS[delivery.attempts - 1])
    delivery.save()
    return delivery.status


def due_deliveries(now=None):
    return PartnerWebhookDelivery.objects.filter(status=PartnerWebhookDelivery.Status.PENDING,
                                                 next_attempt_at__lte=now or timezone.now())


# --- what is stored one by one, turned into events (the engine raises the rest: partner_events) ----

@receiver(post_save, sender=Alert, dispatch_uid="partner_webhooks_alert")
def alert_opened(sender, instance: Alert, created: bool, **kwargs):
    """alert.opened only: a failed run and an unhealthy connection are their own events, raised when
    they happen (an alert opens once for many failed runs, and not at all for some)."""
    if not created:
        return
    owner = instance.integration or instance.connection or (instance.flow.integration if instance.flow else None)
    emit(partner_of(owner.organization_id) if owner is not None else None, PartnerWebhook.Event.ALERT_OPENED, {
        "alert": {"id": instance.pk, "kind": instance.kind, "title": instance.title, "message": instance.message},
        "integration": instance.integration.slug if instance.integration else None,
        "connection": instance.connection_id, "flow": instance.flow.kind if instance.flow else None})


@receiver(post_save, sender=SyncRecord, dispatch_uid="partner_webhooks_record")
def record_failed(sender, instance: SyncRecord, created: bool, **kwargs):
    """A record saved on its own (the runner writes its batches in bulk and raises theirs itself)."""
    if created:
        records_failed(instance.integration, [instance])
