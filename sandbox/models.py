"""Fault knobs shared by the simulators (see `sandbox.faults`)."""

from django.db import models


class FaultProfile(models.Model):
    """How badly one simulator misbehaves. One row per simulated system.

    Rates are probabilities per request (0..1); `next_*` counters are deterministic: each
    request consumes one and gets that fault, which is what tests use.
    """

    class System(models.TextChoices):
        CENTRA = "centra", "Centra"
        FORTNOX = "fortnox", "Fortnox"
        BUSINESS_CENTRAL = "business_central", "Business Central"

    system = models.CharField(max_length=16, choices=System.choices, unique=True)
    latency_ms = models.PositiveIntegerField(default=0)
    rate_429 = models.FloatField(default=0)
    rate_5xx = models.FloatField(default=0)
    rate_timeout = models.FloatField(default=0)
    rate_lost_response = models.FloatField(
        default=0, help_text="Share of writes that commit but whose response is lost."
    )
    timeout_seconds = models.FloatField(
        default=35, help_text="How long a simulated timeout hangs before the server gives up."
    )
    next_429 = models.PositiveIntegerField(default=0)
    next_5xx = models.PositiveIntegerField(default=0)
    next_timeout = models.PositiveIntegerField(default=0)
    next_lost_response = models.PositiveIntegerField(default=0)
    seen_429 = models.PositiveIntegerField(default=0, help_text="429s handed out (injected or real).")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_429__gte=0, rate_429__lte=1)
                & models.Q(rate_5xx__gte=0, rate_5xx__lte=1)
                & models.Q(rate_timeout__gte=0, rate_timeout__lte=1)
                & models.Q(rate_lost_response__gte=0, rate_lost_response__lte=1),
                name="faultprofile_rates_are_probabilities",
            )
        ]

    def __str__(self):
        return f"faults for {self.system}"
