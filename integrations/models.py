"""The engine's tables: who (organizations, partners), what (connections, integrations, flows)
and what happened (runs, records, record links, webhook events).

Invariants that protect the books are database constraints, not Python checks: one record link
per source object, one running run per flow, one connection kind per integration side.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .crypto import EncryptedJSONField


class Organization(models.Model):
    """A shop: the customer whose Centra and ERP we connect."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    partner = models.ForeignKey(
        "Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="organizations"
    )
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Partner(models.Model):
    """An agency that manages the integrations of the shops it looks after."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's access to one organization or one partner (exactly one of the two)."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, partner__isnull=True)
                | Q(organization__isnull=True, partner__isnull=False),
                name="membership_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique_user_organization"),
            models.UniqueConstraint(fields=["user", "partner"], name="membership_unique_user_partner"),
        ]

    def __str__(self):
        return f"{self.user} in {self.organization or self.partner}"


class Connection(models.Model):
    """Credentials and address of one external system account (a Centra store, a Fortnox tenant)."""

    class Kind(models.TextChoices):
        CENTRA = "centra", "Centra"
        FORTNOX = "fortnox", "Fortnox"

    class Health(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        HEALTHY = "healthy", "Healthy"
        UNHEALTHY = "unhealthy", "Unhealthy"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="connections")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    base_url = models.URLField(help_text="API root, e.g. https://brand.centra.com or https://api.fortnox.se")
    auth_url = models.URLField(blank=True, help_text="OAuth server root (Fortnox: https://apps.fortnox.se)")
    credentials = EncryptedJSONField(blank=True, default=dict, editable=False)
    settings = models.JSONField(default=dict, blank=True, help_text="Non-secret options, e.g. rate-limit plan.")
    health = models.CharField(max_length=16, choices=Health.choices, default=Health.UNKNOWN)
    health_message = models.TextField(blank=True)
    refresh_lock_until = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="Held by the one worker refreshing OAuth tokens, so no two burn the same refresh token.",
    )
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="connection_unique_name_per_org"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class Integration(models.Model):
    """One shop's pipe from a source system to a target system, with its bookkeeping settings."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        PAUSED = "paused", "Paused"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="integrations")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    source = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="source_of")
    target = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="target_of")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    settings = models.JSONField(
        default=dict, blank=True, help_text="Bookkeeping settings: accounts, articles, rounding, OSS."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="integration_source_is_not_target"),
        ]

    def __str__(self):
        return self.name


class Flow(models.Model):
    """One kind of sync inside an integration, with its own trigger, schedule and cursor."""

    class Kind(models.TextChoices):
        ORDERS = "orders", "Orders: shipments → invoices"
        CUSTOMERS = "customers", "Customers"
        REFUNDS = "refunds", "Refunds: returns → credit invoices"
        STOCK = "stock", "Stock: ERP → Centra"
        PRODUCTS = "products", "Products / articles"

    class Trigger(models.TextChoices):
        SHIPMENT_CREATED = "shipment_created", "Shipment created (good to ship)"
        SHIPMENT_SHIPPED = "shipment_shipped", "Shipment shipped"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="flows")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    enabled = models.BooleanField(default=False)
    trigger = models.CharField(
        max_length=32, choices=Trigger.choices, default=Trigger.SHIPMENT_CREATED,
        help_text="Which shipment event makes an invoice (orders flow).",
    )
    schedule_minutes = models.PositiveIntegerField(default=5, help_text="Incremental run every N minutes.")
    batch_size = models.PositiveIntegerField(default=50)
    cursor = models.JSONField(default=dict, blank=True, help_text="Where the next incremental run starts.")
    options = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["integration", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "kind"], name="flow_unique_kind_per_integration"),
            models.CheckConstraint(condition=Q(batch_size__gte=1, batch_size__lte=500), name="flow_batch_size_range"),
        ]

    def __str__(self):
        return f"{self.integration.slug}/{self.kind}"

    def clean(self):
        """A flow cannot be enabled while a field its target requires is unmapped."""
        from mappings.services import unmapped_required

        if self.enabled and self.integration_id:
            missing = unmapped_required(self.integration, self.kind)
            if missing:
                raise ValidationError(
                    {"enabled": f"Map these required fields before enabling the {self.kind} flow: "
                                f"{', '.join(missing)}."}
                )


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
    attempts = models.PositiveIntegerField(default=1)
    superseded = models.BooleanField(default=False, help_text="A later attempt of the same source record exists.")
    next_retry_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next automatic retry is due; empty: waits for a manual retry."
    )
    dead = models.BooleanField(default=False, help_text="Out of automatic retries: parked until someone retries it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["integration", "object_type", "source_id"]),
            models.Index(fields=["integration", "status", "superseded"]),
            models.Index(fields=["status", "superseded", "dead", "next_retry_at"]),
            models.Index(fields=["error_code"]),
        ]

    def __str__(self):
        return f"{self.object_type} {self.source_id}: {self.status}"


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

    def __str__(self):
        return f"{self.object_type} {self.object_id} {self.action}"


from .models_ratelimit import RateLimitSlot, RateLimitWindow  # noqa: E402, F401  (the rate limiter's tables)
