"""The events queue of §5.2: listeners and queued events per store and integration name."""

from django.db import models
from django.db.models import Q

from .tenant import Channel, Market, Store

CHANGE_TYPES = ("CREATED", "UPDATED", "DELETED", "COMPLETED", "DEPENDENT_DATA_CHANGED")


class EventListener(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="event_listeners")
    integration_name = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32)
    change_types = models.JSONField(default=list, blank=True, help_text="Empty means every change type.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "integration_name", "object_type"],
                                    name="centra_listener_unique_per_type"),
        ]

    def __str__(self):
        return f"{self.integration_name} listens to {self.object_type}"

    def wants(self, change_type: str) -> bool:
        return not self.change_types or change_type in self.change_types


class Event(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="events")
    integration_name = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32)
    change_type = models.CharField(max_length=32)
    object_reference = models.CharField(max_length=64, help_text="Order number, else the object id.")
    object_pk = models.BigIntegerField(help_text="Our primary key, to resolve the current object.")
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.SET_NULL)
    market = models.ForeignKey(Market, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["store", "integration_name", "confirmed_at", "id"])]
        constraints = [
            models.CheckConstraint(condition=Q(change_type__in=CHANGE_TYPES), name="centra_event_change_type"),
        ]

    def __str__(self):
        return f"{self.object_type} {self.change_type} {self.object_reference}"
