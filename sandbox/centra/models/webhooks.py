"""What the Centra Webhook plugin sent: one row per webhook, with every attempt (§5.1).

Centra drops a webhook once its retries are used up; the simulator keeps the dropped ones so tests
and the demo can see what a receiver missed.
"""

from django.db import models
from django.db.models import Q

from .tenant import Store


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        SENDING = "SENDING"
        DELIVERED = "DELIVERED", "a 2xx answered one attempt"
        DROPPED = "DROPPED", "every attempt failed; Centra moves on"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhook_deliveries")
    url = models.URLField()
    events = models.JSONField(help_text="The `events` list of the payload.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENDING)
    attempts = models.JSONField(
        default=list, blank=True,
        help_text='One entry per attempt: {"at": ISO time, "status": HTTP status or null, "error": text}.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(status__in=("SENDING", "DELIVERED", "DROPPED")),
                                   name="centra_webhook_delivery_status"),
        ]

    def __str__(self):
        return f"webhook {self.pk} to {self.url}: {self.status}"
