"""The table of the database concurrency cap (`connectors.concurrency.DatabaseSemaphore`).

Used only when there is no Redis. One row per slot held: a key (one connection) has at most its
cap of rows, numbered 0 .. cap - 1, and the unique (key, slot) constraint is what keeps two
workers from holding the same slot. A row whose `expires_at` has passed is free to take over.
"""

from django.db import models


class ConcurrencyLease(models.Model):
    """One held slot of a key: who holds it (`lease`) and until when at most."""

    key = models.CharField(max_length=200)
    slot = models.PositiveSmallIntegerField()
    lease = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField(help_text="The slot is free again from then on, even if never given back.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "slot"], name="concurrency_lease_one_holder_per_slot")]

    def __str__(self):
        return f"{self.key}#{self.slot}"
