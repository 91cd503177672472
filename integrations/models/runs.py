"""What happened: runs, their records, the links that keep pushes exactly-once, inbound webhooks."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .core import Flow, Integration


def beat_within_stale_window(now: datetime | None = None) -> Q:
    """A heartbeat written within RUN_STALE_SECONDS: the one test of whether a run's worker lives."""
    return Q(heartbeat_at__gte=(now or timezone.now()) - timedelta(seconds=settings.RUN_STALE_SECONDS))


class SyncRunQuerySet(models.QuerySet):
    """Running runs, told apart by their heartbeat: the scheduler skips flows with an alive run,
    and a new run abandons a stale one and resumes its work from the flow's cursor."""

    def running(self):
        return self.filter(status=SyncRun.Status.RUNNING)

    def alive(self, now: datetime | None = None):
        """Running runs whose worker beat within the stale window: never doubled."""
        return self.running().filter(beat_within_stale_window(now))

    def stale(self, now: datetime | None = None):
        """Running runs whose worker stopped beating (killed, or stuck past the window): taken over."""
        return self.running().exclude(beat_within_stale_window(now))


class SyncRun(models.Model):
    """One execution of a flow. At most one runs per flow at a time (partial unique index)."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        WEBHOOK = "webhook", "Webhook"
        MANUAL = "manual", "Manual"
        RETRY = "retry", "Retry"
        WIZARD = "wizard", "Wizard test"

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Completed with failed records"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned (worker died)"

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)

    objects = SyncRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["flow"], condition=Q(status="running"), name="syncrun_one_running_per_flow"
            ),
        ]
        indexes = [models.Index(fields=["flow", "-started_at"])]

    def __str__(self):
        return f"{self.flow} run {self.pk} ({self.status})"

    @property
    def summary(self) -> str:
        return f"created={self.created} updated={self.updated} skipped={self.skipped} failed={self.failed}"


class SyncRecordQuerySet(models.QuerySet):
    def open_failures(self) -> "SyncRecordQuerySet":
        """One row per failing source record: its latest attempt failed and nobody resolved it."""
        return self.filter(status=SyncRecord.Status.FAILED, superseded=False, resolution="")


class SyncRecord(models.Model):
    """What happened to one source record in one run, with the exchange that decided it."""

    class Status(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="records")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="records")
    object_type = models.CharField(max_length=32)
    source_id = models.CharField(max_length=128)
    source_ref = models.CharField(max_length=128, blank=True, help_text="Human reference, e.g. shipment number.")
    source_parent = models.CharField(
        max_length=128, blank=True, help_text="Parent object id (e.g. a shipment's order), to fetch it again."
    )
    target_id = models.CharField(max_length=128, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    error_code = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)
    request = models.JSONField(null=True, blank=True, help_text="What we sent (secrets redacted).")
    response = models.JSONField(null=True, blank=True, help_text="What we got back (secrets redacted).")
    source = models.JSONField(
        null=True, blank=True,
        help_text="The source record as the run fetched it (secrets redacted, bounded in size); cleared with the "
                  "request and response by retention.",
    )
    attempts = models.PositiveIntegerField(default=1)
    superseded = models.BooleanField(default=False, help_text="A later attempt of the same source record exists.")
    next_retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next automatic retry is due; empty: waits for a manual retry."
    )
    dead = models.BooleanField(default=False, help_text="Out of automatic retries: parked until someone retries it.")
    bodies_purged_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When retention cleared the request and response (past RETENTION_BODIES_DAYS); empty: never.",
    )
    resolution = models.CharField(
        max_length=16, blank=True, choices=[("resolved", "Resolved"), ("ignored", "Ignored")],
        help_text="A failure someone closed by hand; it stays in the history with the reason.",
    )
    resolution_note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    order_number = models.CharField(
        max_length=64, blank=True, help_text="The Centra order number the record concerns (searched in the log)."
    )
    customer_email = models.CharField(
        max_length=254, blank=True, help_text="The customer's e-mail, lower-cased (searched in the log)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SyncRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["integration", "object_type", "source_id"]),
            models.Index(fields=["integration", "status", "superseded"]),
            models.Index(fields=["status", "superseded", "dead", "next_retry_at"]),
            models.Index(fields=["error_code"]),
            models.Index(fields=["created_at"], name="syncrecord_created_at"),
            # The sync log's searches are exact matches on these, each served by its index.
            models.Index(fields=["source_id"], name="syncrecord_source_id"),
            models.Index(fields=["source_ref"], name="syncrecord_source_ref"),
            models.Index(fields=["target_id"], name="syncrecord_target_id"),
            models.Index(fields=["order_number"], name="syncrecord_order_number"),
            models.Index(fields=["customer_email"], name="syncrecord_customer_email"),
        ]

    def __str__(self):
        return f"{self.object_type} {self.source_id}: {self.status}"


class OpenFailure(SyncRecord):
    """The console's open failures view: sync records whose latest attempt failed, not resolved."""

    class Meta:
        proxy = True
        verbose_name = "open failure"
        verbose_name_plural = "open failures"


class RecordLink(models.Model):
    """Source object -> target document, the guard against pushing anything twice.

    A link is claimed (`claimed_by`, `claimed_at`) before the push and completed with the
    target id after it, so two workers can never both create the same document, and a worker
    that died mid-push leaves a stale claim that the next attempt recovers by searching the
    target for our external reference.
    """

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="links")
    object_type = models.CharField(max_length=32)
    source_id = models.CharField(max_length=128)
    target_id = models.CharField(max_length=128, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, help_text="Hash of the payload last pushed.")
    sent = models.JSONField(
        default=dict, blank=True,
        help_text="The target's fields as we last sent them (or found them): an update sends only what differs.",
    )
    claimed_by = models.ForeignKey(
        "SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The run pushing this object now, or the one that died doing it.",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "object_type", "source_id"], name="recordlink_unique_source"
            ),
        ]
        indexes = [models.Index(fields=["integration", "object_type", "target_id"])]

    def __str__(self):
        return f"{self.object_type} {self.source_id} -> {self.target_id or '?'}"

    @property
    def is_linked(self) -> bool:
        return bool(self.target_id)


class WebhookEvent(models.Model):
    """An inbound webhook, stored before it is acknowledged and processed from here."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="webhook_events")
    event_id = models.CharField(max_length=128, help_text="Dedup key derived from the event.")
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=128, blank=True)
    action = models.CharField(max_length=32, blank=True)
    payload = models.JSONField(null=True, blank=True)
    raw_body = models.TextField(blank=True)
    signature_valid = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "event_id"], name="webhookevent_unique_event"),
        ]
        indexes = [
            models.Index(fields=["integration", "status", "object_type"]),
            models.Index(fields=["received_at"], name="webhookevent_received_at"),
        ]

    def __str__(self):
        return f"{self.object_type} {self.object_id} {self.action}"


class WebhookRefusal(models.Model):
    """How many calls to an integration's webhook URL were refused for one reason, and the last one.

    A call we cannot trust (no token, no or a bad signature, over the size or rate limit) is only
    counted: storing its body would let anyone who finds the URL fill the database. Calls that are
    signed but unreadable are stored as REJECTED webhook events instead, since they came from Centra.
    """

    class Reason(models.TextChoices):
        WRONG_TOKEN = "wrong_token", "Wrong token in the URL"
        UNSIGNED = "unsigned", "No signature"
        BAD_SIGNATURE = "bad_signature", "Bad, malformed or expired signature"
        NO_SECRET = "no_secret", "No webhook secret configured"
        TOO_LARGE = "too_large", "Body over the size limit, or of unreadable length"
        THROTTLED = "throttled", "Over the rate limit"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="webhook_refusals")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    count = models.PositiveBigIntegerField(default=0)
    first_at = models.DateTimeField(auto_now_add=True)
    last_at = models.DateTimeField(null=True, blank=True)
    last_detail = models.CharField(max_length=300, blank=True, help_text="Why the latest such call was refused.")

    class Meta:
        ordering = ["integration", "reason"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "reason"], name="webhookrefusal_unique_reason"),
        ]

    def __str__(self):
        return f"{self.integration}: {self.count} × {self.get_reason_display()}"

