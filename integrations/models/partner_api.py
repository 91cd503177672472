"""What the partner API keeps: API keys, the answers of idempotent requests, and the webhooks a
partner registered with the log of every delivery to them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..crypto import EncryptedJSONField
from .core import Partner


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Not revoked and not expired: the only keys that authenticate."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class ApiKey(models.Model):
    """A partner's key. Only a hash is stored: the key is shown once, when it is made. The prefix
    is not secret; it is how a key is recognised in logs and lists."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is for, e.g. 'Deploy scripts'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   help_text="Who made the key; what the key does is audited as this user.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["partner", "-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.READ_WRITE

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed when the same caller sends
    the same key again. A key is the caller's own: an API key's, or (token or session) a person's.
    Kept for RETENTION_IDEMPOTENCY_KEYS_DAYS (integrations/retention.py)."""

    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                help_text="The API key that sent it; empty when a person sent it by token or session.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", help_text="The person who sent it without an API key.")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="Hash of the method, path and body it answered.")
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotentrequest_unique_key"),
            models.UniqueConstraint(fields=["user", "key"], condition=Q(api_key__isnull=True),
                                    name="idempotentrequest_unique_user_key"),
            models.CheckConstraint(condition=Q(api_key__isnull=False) | Q(user__isnull=False),
                                   name="idempotentrequest_has_caller"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotentrequest_created")]

    def __str__(self):
        return f"{self.key} -> {self.status_code}"


class PartnerWebhook(models.Model):
    """A partner's URL that receives signed POSTs when something breaks in one of its shops."""

    class Event(models.TextChoices):
        RUN_FAILED = "run.failed", "A run failed"
        RECORD_FAILED = "record.failed", "A record failed (a new open failure)"
        CONNECTION_UNHEALTHY = "connection.unhealthy", "A connection became unhealthy"
        ALERT_OPENED = "alert.opened", "An alert was opened"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names it receives; empty: all of them.")
    secret = EncryptedJSONField(blank=True, default=dict, editable=False)  # {"secret": "..."}: signs deliveries
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner", "-created_at"]

    def __str__(self):
        return self.url

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)


class PartnerWebhookDelivery(models.Model):
    """One event for one webhook: delivered from the queue, retried on a backoff, every try logged."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (out of retries)"

    webhook = models.ForeignKey(PartnerWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=32)
    event_id = models.CharField(max_length=64, help_text="Unique per event: receivers deduplicate on it.")
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="partnerdelivery_due")]

    def __str__(self):
        return f"{self.event} to {self.webhook_id}: {self.status}"


class OAuthStart(models.Model):
    """An OAuth2 consent started through the API, waiting for the system to send the browser back.

    The console keeps these in the staff member's session; an API caller has no session, and the
    person who approves (the shop owner) is not the caller, so the attempt lives here until its
    answer comes or it expires (`reconnect.STATE_TTL_SECONDS`)."""

    state = models.CharField(max_length=64, unique=True)
    connection = models.ForeignKey("Connection", on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=500)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"OAuth consent for connection {self.connection_id}"
