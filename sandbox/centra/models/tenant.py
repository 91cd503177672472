"""A simulated Centra tenant ("store" in our URLs), its knobs, tokens and sales channels."""

import secrets

from django.db import models
from django.db.models import Q

from ..reference import PLANS


def _new_token() -> str:
    return secrets.token_hex(16)


class Store(models.Model):
    """One simulated Centra tenant, reached at /sandbox/centra/<slug>/graphql.

    Every field below `name` is a knob. Knobs marked [I]/[?] simulate behaviour centra.md could
    not confirm; their defaults are the doc's suggestion.
    """

    class Plan(models.TextChoices):
        FRESH = "fresh"
        GROWTH = "growth"
        ENHANCED = "enhanced"
        HIGH_VOLUME = "high_volume"
        ENTERPRISE = "enterprise"

    class CaptureOutcome(models.TextChoices):
        SUCCESS = "SUCCESS", "captured at once"
        PENDING = "PENDING", "asynchronous PSP (Adyen/Klarna): CAPTURE_REQUEST stays PENDING"
        FAILED = "FAILED", "PSP refuses the capture"

    class RetryAfter(models.TextChoices):
        DELTA = "delta", "seconds to wait (RFC 9110 delta-seconds)"
        TIMESTAMP = "timestamp", "Unix time to resume at (how Centra's docs word it)"
        HTTP_DATE = "http_date", "HTTP-date to resume at (RFC 9110)"

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=128)
    api_token = models.CharField(
        max_length=64, unique=True, default=_new_token, help_text="Demo token: every permission."
    )
    integration_name = models.CharField(
        max_length=64, default="Junipeer", help_text="Owner of the demo token's event queue."
    )
    plan = models.CharField(max_length=16, choices=Plan.choices, default=Plan.GROWTH)
    rate_limit_overrides = models.JSONField(
        default=dict, blank=True,
        help_text='Quota overrides, e.g. {"REQUEST_COUNT": {"TEN_SECONDS": 2}}.',
    )
    # [?] Centra documents Retry-After as "a timestamp at which it is possible to try again", not its
    # format. Default: Unix seconds, Centra's (PHP) sense of "timestamp"; the other two forms are knobs.
    retry_after_format = models.CharField(max_length=16, choices=RetryAfter.choices, default=RetryAfter.TIMESTAMP)
    # [?] max `limit` is unknown; the doc suggests capping at 200. Default page size is a guess too.
    max_limit = models.PositiveIntegerField(default=200)
    default_limit = models.PositiveIntegerField(default=100)
    # [I] complexity heuristic: a list without limit/first counts as this many items.
    list_complexity_default = models.PositiveIntegerField(default=10)
    # [?] the sign of `totals.discounts` (§7.1): -1 reports discounts as negative amounts.
    discount_sign = models.SmallIntegerField(default=-1)
    # [I] events are enabled per server on request (§5.2).
    events_enabled = models.BooleanField(default=True)
    capture_outcome = models.CharField(
        max_length=8, choices=CaptureOutcome.choices, default=CaptureOutcome.SUCCESS
    )
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)
    # §5.1: "timeout in seconds" (about 5 by default) and "number of retries after failure" (off by
    # default, at most 3) are plugin settings. [?] Centra's delays between retries are not documented:
    # they double from `webhook_retry_delay` (1, 2, 4 s); tests set milliseconds.
    webhook_timeout = models.FloatField(default=5.0, help_text="Seconds per delivery attempt.")
    webhook_retries = models.PositiveSmallIntegerField(default=0, help_text="Retries after a failed attempt (0-3).")
    webhook_retry_delay = models.FloatField(default=1.0, help_text="Seconds before the first retry; doubles after.")
    timezone = models.CharField(max_length=64, default="Europe/Stockholm")
    base_currency = models.CharField(max_length=3, default="SEK")
    app_version = models.CharField(max_length=16, default="v1.7.0")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(discount_sign__in=(-1, 1)), name="centra_store_discount_sign"),
            models.CheckConstraint(condition=Q(max_limit__gte=1), name="centra_store_max_limit_positive"),
            models.CheckConstraint(condition=Q(webhook_retries__lte=3), name="centra_store_at_most_3_retries"),
            models.CheckConstraint(condition=Q(webhook_timeout__gt=0, webhook_retry_delay__gte=0),
                                   name="centra_store_webhook_timing_valid"),
        ]

    def __str__(self):
        return self.slug

    def quotas(self) -> dict[str, dict[str, int]]:
        """The plan's quotas with this store's overrides applied."""
        quotas = {bucket: dict(windows) for bucket, windows in PLANS[self.plan].items()}
        for bucket, windows in (self.rate_limit_overrides or {}).items():
            if bucket not in quotas or not set(windows) <= set(quotas[bucket]):
                raise ValueError(f"Unknown rate-limit override {bucket}: {windows}")
            quotas[bucket].update({window: int(value) for window, value in windows.items()})
        return quotas


class Channel(models.Model):
    """What Centra's API calls a `Store`: a sales channel inside the tenant (Retail, Wholesale)."""

    class Type(models.TextChoices):
        DIRECT_TO_CONSUMER = "DIRECT_TO_CONSUMER"
        WHOLESALE = "WHOLESALE"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=128)
    type = models.CharField(max_length=24, choices=Type.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="centra_channel_unique_name"),
            models.CheckConstraint(condition=Q(type__in=("DIRECT_TO_CONSUMER", "WHOLESALE")),
                                   name="centra_channel_type_valid"),
        ]

    def __str__(self):
        return self.name


class ApiToken(models.Model):
    """An extra Integration API token with a limited permission set (the demo token has all)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    description = models.CharField(max_length=128, blank=True)
    integration_name = models.CharField(max_length=64, default="Junipeer")
    permissions = models.JSONField(default=list, help_text='e.g. ["Order:read", "Shipment:write"]')
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE,
        help_text="Restriction to one Centra store: objects of other stores are invisible.",
    )

    def __str__(self):
        return self.description or self.token[:8]


class Market(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="markets")
    name = models.CharField(max_length=128)
    country_codes = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="centra_market_unique_name")]

    def __str__(self):
        return self.name


class Pricelist(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="pricelists")
    name = models.CharField(max_length=128)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, default="ACTIVE")
    country_codes = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="centra_pricelist_unique_name")]

    def __str__(self):
        return self.name


class Warehouse(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="warehouses")
    name = models.CharField(max_length=128)
    status = models.CharField(max_length=16, default="ACTIVE")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="centra_warehouse_unique_name")]

    def __str__(self):
        return self.name
