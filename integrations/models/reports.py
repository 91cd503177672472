"""Daily reconciliation: what Centra shipped and refunded against what the ERP holds."""

from django.db import models

from .core import Integration


class ReconciliationReport(models.Model):
    """One integration's day. It keeps its progress (phase and next Centra page) after every page,
    so a task that was killed resumes where it stopped, and a task already holding the day (its
    lease) is left alone by a second one."""

    class Phase(models.TextChoices):
        SHIPMENTS = "shipments", "Checking shipments"
        RETURNS = "returns", "Checking returns"
        CATCH_UP = "catch_up", "Queueing the catch-up"
        DONE = "done", "Done"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="reconciliation_reports")
    day = models.DateField()
    shipments = models.PositiveIntegerField(default=0)
    invoices_matched = models.PositiveIntegerField(default=0)
    returns = models.PositiveIntegerField(default=0)
    credits_matched = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(
        default=0, help_text="Shipments/returns not due for a document yet under their flow's trigger."
    )
    differences = models.JSONField(
        default=list, help_text="Every shipment/return with no document, or a total that differs."
    )
    queued_for_catch_up = models.PositiveIntegerField(
        default=0, help_text="Differences handed to their flow to be invoiced or credited (missing documents only)."
    )
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.SHIPMENTS)
    page = models.PositiveIntegerField(default=1, help_text="The next Centra page of the phase.")
    passes = models.PositiveIntegerField(default=0, help_text="How many times the day was started from the top.")
    claimed_by = models.CharField(max_length=32, blank=True, help_text="The task reconciling the day now.")
    lease_until = models.DateTimeField(null=True, blank=True, help_text="Until when that task's claim holds.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the last attempt stopped before finishing.")
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "day"], name="reconciliationreport_unique_day"),
        ]

    def __str__(self):
        return f"{self.integration} {self.day}: {len(self.differences)} difference(s)"

    @property
    def finished(self) -> bool:
        return self.phase == self.Phase.DONE
