"""Daily reconciliation: what Centra shipped and refunded against what the ERP holds."""

from django.db import models

from .core import Integration


class ReconciliationReport(models.Model):
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="reconciliation_reports")
    day = models.DateField()
    shipments = models.PositiveIntegerField(default=0)
    invoices_matched = models.PositiveIntegerField(default=0)
    returns = models.PositiveIntegerField(default=0)
    credits_matched = models.PositiveIntegerField(default=0)
    differences = models.JSONField(
        default=list, help_text="Every shipment/return with no document, or a total that differs."
    )
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "day"], name="reconciliationreport_unique_day"),
        ]

    def __str__(self):
        return f"{self.integration} {self.day}: {len(self.differences)} difference(s)"
