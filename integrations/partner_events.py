"""Events partners subscribe to, raised where they happen: the runner when a run fails, the health
check when a connection turns unhealthy, the records and alerts as they are stored.

Each event becomes one stored delivery per subscribed webhook, queued once the transaction that
raised it commits; `services.partner_webhooks` signs and sends it, retries it and keeps the log.
The callers raise an event once per happening (a run finishes failed once; a connection turns
unhealthy once until it is healthy again), so a partner gets one POST per event, not one per
worker, retry or repeated check.
"""

import uuid

from django.db import transaction
from django.utils import timezone

from .models import Connection, Integration, Organization, PartnerWebhook, PartnerWebhookDelivery, SyncRecord, SyncRun
from .queue import enqueue_partner_delivery


def partner_of(organization_id: int) -> int | None:
    """The partner looking after the shop now (read, not taken from an object loaded earlier)."""
    return Organization.objects.filter(pk=organization_id).values_list("partner_id", flat=True).first()


def emit(partner_id: int | None, event: str, *data: dict) -> int:
    """Store one delivery per event (one per `data`) and webhook of the partner that wants `event`;
    each is queued once the transaction commits. Returns how many deliveries were stored."""
    if partner_id is None or not data:
        return 0
    webhooks = [w for w in PartnerWebhook.objects.filter(partner_id=partner_id, active=True) if w.wants(event)]
    now = timezone.now()
    deliveries = []
    for webhook in webhooks:
        for one in data:
            event_id = uuid.uuid4().hex
            payload = {"id": event_id, "event": event, "created_at": now.isoformat(), "data": one}
            deliveries.append(PartnerWebhookDelivery(webhook=webhook, event=event, event_id=event_id, payload=payload,
                                                     next_attempt_at=now))
    for delivery in PartnerWebhookDelivery.objects.bulk_create(deliveries):
        transaction.on_commit(lambda pk=delivery.pk: enqueue_partner_delivery(pk))
    return len(deliveries)


def records_failed(integration: Integration, records: list[SyncRecord]) -> int:
    """New open failures: each record's first failed attempt (a repeat is the same failure, no new event)."""
    failed = [record for record in records if record.status == SyncRecord.Status.FAILED and record.attempts == 1]
    if not failed:
        return 0
    return emit(partner_of(integration.organization_id), PartnerWebhook.Event.RECORD_FAILED, *[
        {"integration": integration.slug, "record": {
            "id": record.pk, "object_type": record.object_type, "source_id": record.source_id,
            "source_ref": record.source_ref, "error_code": record.error_code, "message": record.message}}
        for record in failed])


def run_failed(run: SyncRun) -> int:
    """A run stopped failed (the whole run, not some of its records: those are record.failed)."""
    integration = run.flow.integration
    return emit(partner_of(integration.organization_id), PartnerWebhook.Event.RUN_FAILED, {
        "integration": integration.slug, "flow": run.flow.kind, "run": {
            "id": run.pk, "trigger": run.trigger, "status": run.status, "error_code": run.error_code,
            "error_message": run.error_message, "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None}})


def connection_unhealthy(connection: Connection, message: str, code: str = "") -> int:
    """A connection turned unhealthy (it was healthy or unchecked): its flows are paused until it answers."""
    return emit(partner_of(connection.organization_id), PartnerWebhook.Event.CONNECTION_UNHEALTHY, {
        "organization": connection.organization.slug, "connection": {
            "id": connection.pk, "name": connection.name, "kind": connection.kind, "health": connection.health,
            "error_code": code, "message": message}})
