"""Outgoing webhooks for partners: run failed, record failed (a new open failure), connection
unhealthy, alert opened. Each event becomes one delivery per subscribed webhook, stored first and
sent from the queue, signed with the webhook's secret, retried on a backoff, every try logged.

Signature: header `Junipeer-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so a
receiver checks the body and refuses replays older than a few minutes.
"""

import hashlib
import hmac
import json
import secrets
import time
import uuid
from datetime import timedelta

import requests
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from .. import audit
from ..connectors.urlsafety import GuardedAdapter, UrlPolicy
from ..models import Alert, PartnerWebhook, PartnerWebhookDelivery, SyncRecord
from ..queue import enqueue_partner_delivery

SIGNATURE_HEADER = "Junipeer-Signature"
BACKOFF_SECONDS = [30, 120, 600, 1800, 7200, 21600]
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
TIMEOUT_SECONDS = 10


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


def emit(partner_id: int | None, event: str, data: dict) -> int:
    """Store one delivery per webhook of the partner that wants `event`; queued once committed."""
    if partner_id is None:
        return 0
    webhooks = [w for w in PartnerWebhook.objects.filter(partner_id=partner_id, active=True) if w.wants(event)]
    for webhook in webhooks:
        event_id = uuid.uuid4().hex
        payload = {"id": event_id, "event": event, "created_at": timezone.now().isoformat(), "data": data}
        delivery = PartnerWebhookDelivery.objects.create(webhook=webhook, event=event, event_id=event_id,
                                                         payload=payload, next_attempt_at=timezone.now())
        transaction.on_commit(lambda pk=delivery.pk: enqueue_partner_delivery(pk))
    return len(webhooks)


def guarded_session() -> requests.Session:
    """Partners type these URLs: every hop is checked like any outbound call (no private hosts)."""
    session = requests.Session()
    adapter = GuardedAdapter(UrlPolicy.from_settings())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def deliver(delivery_id: int, *, session: requests.Session | None = None) -> str:
    """One try of one delivery; a failure is scheduled again on the backoff until out of tries."""
    delivery = PartnerWebhookDelivery.objects.select_related("webhook").filter(
        pk=delivery_id, status=PartnerWebhookDelivery.Status.PENDING).first()
    if delivery is None:
        return "nothing to deliver"
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


# --- what happens in the engine, turned into events -----------------------------------------------

ALERT_EVENTS = {Alert.Kind.RUN_FAILED: PartnerWebhook.Event.RUN_FAILED,
                Alert.Kind.CONNECTION_UNHEALTHY: PartnerWebhook.Event.CONNECTION_UNHEALTHY}


def _partner_of_alert(alert: Alert) -> int | None:
    owner = alert.integration or alert.connection or (alert.flow.integration if alert.flow else None)
    return owner.organization.partner_id if owner is not None else None


@receiver(post_save, sender=Alert, dispatch_uid="partner_webhooks_alert")
def alert_opened(sender, instance: Alert, created: bool, **kwargs):
    if not created:
        return
    partner = _partner_of_alert(instance)
    data = {"alert": {"id": instance.pk, "kind": instance.kind, "title": instance.title, "message": instance.message},
            "integration": instance.integration.slug if instance.integration else None,
            "connection": instance.connection_id, "flow": instance.flow.kind if instance.flow else None}
    emit(partner, PartnerWebhook.Event.ALERT_OPENED, data)
    if instance.kind in ALERT_EVENTS:
        emit(partner, ALERT_EVENTS[instance.kind], data)


@receiver(post_save, sender=SyncRecord, dispatch_uid="partner_webhooks_record")
def record_failed(sender, instance: SyncRecord, created: bool, **kwargs):
    """A new open failure: the first failed attempt of a source record (repeats are the same failure)."""
    if not created or instance.status != SyncRecord.Status.FAILED or instance.attempts != 1:
        return
    integration = instance.integration
    emit(integration.organization.partner_id, PartnerWebhook.Event.RECORD_FAILED, {
        "integration": integration.slug, "record": {
            "id": instance.pk, "object_type": instance.object_type, "source_id": instance.source_id,
            "source_ref": instance.source_ref, "error_code": instance.error_code, "message": instance.message}})
