"""What needs a person's attention, until someone resolves it."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .core import Connection, Flow, Integration


class Alert(models.Model):
    """One open problem per subject: repeats bump the count instead of opening another alert."""

    class Kind(models.TextChoices):
        RUN_FAILED = "run_failed", "A run failed"
        FAILURE_THRESHOLD = "failure_threshold", "Too many failed records"
        RECORDS_DEAD = "records_dead", "Records out of retries"
        CONNECTION_UNHEALTHY = "connection_unhealthy", "Connection unhealthy"
        RECONCILIATION = "reconciliation", "Reconciliation found differences"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    subject = models.CharField(max_length=200, help_text="What the alert is about; one open alert per subject.")
    title = models.CharField(max_length=200)
    message = models.TextField()
    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    connection = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    flow = models.ForeignKey(Flow, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    occurrences = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolution_note = models.TextField(blank=True, help_text="What was done about it, said by whoever resolved it.")

    class Meta:
        ordering = ["resolved_at", "-last_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["subject"], condition=Q(resolved_at__isnull=True),
                                    name="alert_one_open_per_subject"),
        ]

    def __str__(self):
        return self.title
