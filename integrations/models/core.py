"""The engine's tables: who (organizations, partners), what (connections, integrations, flows)
and what happened (runs, records, record links, webhook events).

Invariants that protect the books are database constraints, not Python checks: one record link
per source object, one running run per flow, one connection kind per integration side.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from ..crypto import EncryptedJSONField
from ..domain.registry import ConnectorDescriptor, descriptor, kind_choices


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


def validate_connector_kind(value: str) -> None:
    if value not in dict(kind_choices()):
        raise ValidationError(f"No connector is registered for {value!r}: choose one of "
                              f"{', '.join(kind for kind, _ in kind_choices())}.")


class Connection(models.Model):
    """Credentials and address of one external system account (a Centra store, a Fortnox tenant).

    Its `kind` names a registered connector (`domain.registry`): a new system needs no migration.
    """

    class Health(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        HEALTHY = "healthy", "Healthy"
        UNHEALTHY = "unhealthy", "Unhealthy"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="connections")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=kind_choices, validators=[validate_connector_kind])
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
        return f"{self.name} ({self.system.label if self.kind in dict(kind_choices()) else self.kind})"

    @property
    def system(self) -> ConnectorDescriptor:
        """What the connector of this connection's kind says about its system."""
        return descriptor(self.kind)


def new_webhook_token() -> str:
    """A fresh secret for an integration's webhook URL: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


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
    webhook_token = models.CharField(
        max_length=64, default=new_webhook_token, editable=False,
        help_text="The secret part of the webhook URL: without it a call to the URL is not found.",
    )
    sync_from = models.DateTimeField(
        null=True, blank=True,
        help_text="Go-live's exclusion date: orders placed before it are never synced (nor their returns).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="integration_source_is_not_target"),
        ]

    def __str__(self):
        return self.name


class FlowQuerySet(models.QuerySet):
    def using_connection(self, connection: "Connection") -> "FlowQuerySet":
        """Every flow that reads or writes through `connection`, whatever integration it belongs to."""
        return self.filter(Q(integration__source=connection) | Q(integration__target=connection))


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
    # What the latest run asked for from the console or the API is expected to read, kept here (not in
    # someone's session) so every staff user, and a reload, sees the same progress bar.
    progress_total = models.PositiveIntegerField(
        null=True, blank=True, help_text="Records a backfill counted before it was confirmed; empty: not known.")
    progress_since = models.DateTimeField(null=True, blank=True, help_text="When that run was asked for.")
    options = models.JSONField(default=dict, blank=True)
    # Set when a run of the flow is queued, cleared when a worker takes it: how a busy run learns
    # that another flow waits for a worker (`queue.runs_waiting`), which a broker cannot say once
    # a cluster has prefetched its tasks.
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FlowQuerySet.as_manager()

    class Meta:
        ordering = ["integration", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "kind"], name="flow_unique_kind_per_integration"),
            models.CheckConstraint(condition=Q(batch_size__gte=1, batch_size__lte=500), name="flow_batch_size_range"),
        ]
        indexes = [models.Index(fields=["queued_at"], name="flow_queued_at",
                                condition=Q(queued_at__isnull=False))]

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
