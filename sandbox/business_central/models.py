"""Tables of the Business Central simulator (business-central.md §9).

An environment (tenant + environment name) holds companies; a company holds records of every
entity set in one table, each keeping its API JSON (camelCase, as the API shows it) in `data`
next to the columns that uniqueness, numbering and etags need. Facts the reference marks
unknown are knobs on the environment or the company, with the reference's best guess as default.
"""

import uuid

from django.db import models
from django.db.models import Q


class Environment(models.Model):
    """One BC environment of one Entra tenant: the unit rate limits and apps are counted in."""

    tenant = models.CharField(max_length=64, help_text="Entra tenant id (GUID) or domain.")
    name = models.CharField(max_length=50, help_text="Environment name, e.g. production or sandbox.")
    type = models.CharField(max_length=16, default="Production")
    # §2: 6 000 requests per 5-minute sliding window per user; 5 at once; 95 queued.
    rate_limit_requests = models.PositiveIntegerField(default=6000)
    rate_limit_window_seconds = models.PositiveIntegerField(default=300)
    max_concurrent = models.PositiveIntegerField(default=5)
    max_queue = models.PositiveIntegerField(default=95)
    # Real: a request queued more than 8 minutes gets 503; short here so tests and chaos see it.
    queue_timeout_seconds = models.FloatField(default=30)
    max_page_size = models.PositiveIntegerField(default=20000)
    # SIMULATED: the status of a PATCH/DELETE without If-Match is not documented (§3.3 says 400?).
    missing_if_match_status = models.PositiveSmallIntegerField(default=400)
    # SIMULATED: the status of Internal_EntityWithSameKeyExists is not documented (400/409?).
    duplicate_key_status = models.PositiveSmallIntegerField(default=400)
    # SIMULATED: whether a 429 carries Retry-After is not documented; 0 = no header.
    throttle_retry_after = models.PositiveIntegerField(default=0)
    # Deterministic deadlocks (§2): the next N writes answer 409 Internal_ServerError, nothing applied.
    next_deadlocks = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="bc_environment_unique_name"),
            models.CheckConstraint(condition=Q(rate_limit_requests__gt=0, rate_limit_window_seconds__gt=0,
                                               max_concurrent__gt=0, max_page_size__gt=0),
                                   name="bc_environment_limits_positive"),
        ]

    def __str__(self):
        return f"{self.tenant}/{self.name}"


class EntraApp(models.Model):
    """An app registration in Entra with its client secret, and its card in BC's "Microsoft Entra
    applications" page: without an enabled card the token is valid but BC refuses the calls."""

    client_id = models.CharField(max_length=64, unique=True)
    client_secret = models.CharField(max_length=200)
    tenant = models.CharField(max_length=64, help_text="The tenant that consented (admin consent).")
    enabled_in_bc = models.BooleanField(default=True, help_text="State = Enabled on the BC app card.")
    # SIMULATED: the exact answer for a missing/disabled app card is unknown (401 or 403, §1.2).
    disabled_status = models.PositiveSmallIntegerField(default=401)
    read_only = models.BooleanField(default=False, help_text="Permission sets without write access.")
    token_ttl = models.PositiveIntegerField(default=3599, help_text="Seconds an access token lives (~1 hour).")

    def __str__(self):
        return self.client_id


class AccessToken(models.Model):
    token = models.CharField(max_length=100, unique=True)
    app = models.ForeignKey(EntraApp, on_delete=models.CASCADE, related_name="tokens")
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"token of {self.app}"


class Company(models.Model):
    """One company of an environment, with its number series and posting behaviour."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="companies")
    name = models.CharField(max_length=30)
    display_name = models.CharField(max_length=250)
    country = models.CharField(max_length=10, default="SE")
    local_currency = models.CharField(max_length=10, default="SEK")
    # The customer template's "Prices Including VAT" (not settable through the API, §6).
    prices_include_tax = models.BooleanField(default=True)
    prevent_negative_inventory = models.BooleanField(default=False)
    # SIMULATED (open question): whether a credit memo may apply to a closed (paid) invoice.
    refuse_credit_on_closed_invoice = models.BooleanField(default=False)
    # Standard BC: posting assigns the posted-invoice number series, which differs from the draft's.
    posted_numbers_differ = models.BooleanField(default=True)
    vat_posting_setup = models.JSONField(default=dict, help_text="{bus group: {prod group: percent}}")
    next_numbers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["environment", "name"], name="bc_company_unique_name"),
        ]
        verbose_name_plural = "companies"

    def __str__(self):
        return self.display_name


class Record(models.Model):
    """One entity of a company's entity set (customers, items, salesInvoices, accounts …)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="records")
    entity = models.CharField(max_length=40)
    number = models.CharField(max_length=40, blank=True)
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every write: the etag.")
    sequence = models.PositiveBigIntegerField(default=0, help_text="Insertion order (entryNumber for ledgers).")

    class Meta:
        indexes = [models.Index(fields=["company", "entity", "number"])]
        ordering = ["sequence"]

    def __str__(self):
        return f"{self.entity} {self.number or self.id}"
