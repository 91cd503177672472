"""Tables of the database rate limiter (`connectors.ratelimit.DatabaseSlidingWindow`).

Used only when there is no Redis. A window row exists to be locked: it serializes the workers of
one key. Its slots are pruned by every acquisition, so a key holds at most one window of rows.
"""

from django.db import models


class RateLimitWindow(models.Model):
    """The sliding window of one key (one connection), locked while a slot is taken."""

    key = models.CharField(max_length=200, unique=True)

    def __str__(self):
        return self.key


class RateLimitSlot(models.Model):
    """One request granted in a window, at a Unix time in seconds."""

    window = models.ForeignKey(RateLimitWindow, on_delete=models.CASCADE, related_name="slots")
    taken_at = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["window", "taken_at"])]

    def __str__(self):
        return f"{self.window} @ {self.taken_at:.6f}"
