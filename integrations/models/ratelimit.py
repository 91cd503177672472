"""The table of the database rate limiter (`connectors.ratelimit.DatabaseSlidingWindow`).

Used only when there is no Redis. One row per key holds the key's whole window: the times of the
slots granted in it, packed, and a version. A slot is taken by one conditional UPDATE of that row
(compare-and-swap on the version), so the row never grows past one window of times.
"""

from django.db import models


class RateLimitWindow(models.Model):
    """The sliding window of one key (one connection): its slot times and a version to swap on."""

    key = models.CharField(max_length=200, unique=True)
    slots = models.TextField(blank=True, default="", help_text="Slots as Unix microseconds[:cost], comma-separated, "
                                                                 "oldest first.")
    version = models.BigIntegerField(default=0)

    def __str__(self):
        return self.key
