"""Tables of the Fortnox simulator.

Records keep their full Fortnox JSON in `data` (PascalCase, as the API shows it) next to the
columns that searches, uniqueness and state rules need. The columns are the source of truth for
those rules; `services`/the resource modules keep both in step inside one transaction.
"""

from django.db import models
from django.db.models import Q


class FortnoxApp(models.Model):
    """An integration registered in Fortnox's Developer Portal (the OAuth client)."""

    client_id = models.CharField(max_length=100, unique=True)
    client_secret = models.CharField(max_length=200)
    redirect_uri = models.URLField(max_length=500, blank=True, help_text="Registered redirect URI, if any.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(client_id=""), name="fortnox_app_client_id_set")]

    def __str__(self):
        return self.client_id


class Tenant(models.Model):
    """One Fortnox company (a customer's database). Carries the knobs for undocumented behaviour."""

    class Rounding(models.TextChoices):
        NONE = "none", "Round Total to öre (2 decimals)"
        WHOLE = "whole", "Round Total to whole units, difference in RoundOff"

    class StockDeduction(models.TextChoices):
        NONE = "none", "Invoices never change QuantityInStock"
        BOOKKEEP = "bookkeep", "Booking an invoice draws its STOCK rows from QuantityInStock"

    name = models.CharField(max_length=200, unique=True)
    database_number = models.PositiveIntegerField(unique=True, help_text="Fortnox DatabaseNumber = TenantId.")
    organisation_number = models.CharField(max_length=30, blank=True)
    address = models.CharField(max_length=200, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, default="SE")
    email = models.CharField(max_length=200, blank=True)
    access_token_ttl = models.PositiveIntegerField(default=3600, help_text="Seconds an access token lives.")
    # Simulated: 45 days per the Ruby gem README; Fortnox's current figure is unverified.
    refresh_token_ttl = models.PositiveIntegerField(default=45 * 24 * 3600)
    rate_limit_requests = models.PositiveIntegerField(default=25)
    rate_limit_window_seconds = models.PositiveIntegerField(default=5)
    # Simulated: Fortnox's totals rounding is a company setting whose algorithm is undocumented.
    rounding = models.CharField(max_length=8, choices=Rounding.choices, default=Rounding.NONE)
    # Simulated: whether /credit needs a booked invoice is undocumented.
    credit_requires_booked = models.BooleanField(default=False)
    # Simulated: without the warehouse module, when invoices move stock is undocumented.
    stock_deduction = models.CharField(
        max_length=10, choices=StockDeduction.choices, default=StockDeduction.NONE
    )
    # Simulated: scope enforcement status/code (403, 2000663) was never recorded.
    enforce_scopes = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_limit_requests__gt=0, rate_limit_window_seconds__gt=0),
                name="fortnox_tenant_rate_limit_positive",
            ),
            models.CheckConstraint(
                condition=Q(access_token_ttl__gt=0, refresh_token_ttl__gt=0), name="fortnox_tenant_ttl_positive"
            ),
            models.CheckConstraint(condition=Q(rounding__in=["none", "whole"]), name="fortnox_tenant_rounding"),
            models.CheckConstraint(
                condition=Q(stock_deduction__in=["none", "bookkeep"]), name="fortnox_tenant_stock_deduction"
            ),
            models.CheckConstraint(condition=Q(database_number__gt=0), name="fortnox_tenant_database_number"),
        ]

    def __str__(self):
        return f"{self.name} ({self.database_number})"


class Consent(models.Model):
    """A customer approved an app (the consent screen). Service consents allow client_credentials."""

    app = models.ForeignKey(FortnoxApp, on_delete=models.CASCADE, related_name="consents")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(max_length=500)
    service_account = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "tenant"], name="fortnox_consent_once")]

    def __str__(self):
        return f"{self.app} -> {self.tenant}"


class AuthorizationCode(models.Model):
    """Single-use code from /oauth-v1/auth; lives 10 minutes. Only its hash is stored."""

    code_hash = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(FortnoxApp, on_delete=models.CASCADE)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    scope = models.CharField(max_length=500)
    redirect_uri = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"code for {self.tenant} (expires {self.expires_at:%Y-%m-%d %H:%M})"


class AccessToken(models.Model):
    """Bearer token for /3/. Only its hash is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(FortnoxApp, on_delete=models.CASCADE)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="access_tokens")
    scope = models.CharField(max_length=500)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"access token for {self.tenant} (expires {self.expires_at:%Y-%m-%d %H:%M})"


class RefreshToken(models.Model):
    """Single use: refreshing marks it used and hands out a new one."""

    token_hash = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(FortnoxApp, on_delete=models.CASCADE)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    scope = models.CharField(max_length=500)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"refresh token for {self.tenant} ({'used' if self.used_at else 'unused'})"


class Counter(models.Model):
    """Number series per tenant (customers, invoices, articles, vouchers). Locked row = no races."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="counters")
    name = models.CharField(max_length=30)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="fortnox_counter_unique")]

    def __str__(self):
        return f"{self.tenant}: {self.name} = {self.value}"


class Account(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="accounts")
    number = models.PositiveIntegerField()
    description = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    vat_code = models.CharField(max_length=10, blank=True)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    sru = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="fortnox_account_unique"),
            models.CheckConstraint(condition=Q(number__gte=1000, number__lte=9999), name="fortnox_account_4_digits"),
        ]

    def __str__(self):
        return f"{self.number} {self.description}"


class PredefinedAccount(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="predefined_accounts")
    name = models.CharField(max_length=40)
    account = models.ForeignKey(Account, on_delete=models.PROTECT)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="fortnox_predefined_unique")]

    def __str__(self):
        return f"{self.name} -> {self.account.number}"


class Currency(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="currencies")
    code = models.CharField(max_length=3)
    description = models.CharField(max_length=100)
    buy_rate = models.DecimalField(max_digits=12, decimal_places=4, default=1)
    sell_rate = models.DecimalField(max_digits=12, decimal_places=4, default=1)
    unit = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="fortnox_currency_unique"),
            models.CheckConstraint(condition=Q(buy_rate__gt=0, sell_rate__gt=0, unit__gt=0),
                                   name="fortnox_currency_rates_positive"),
        ]

    def __str__(self):
        return self.code


class TermsOfPayment(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="terms_of_payment")
    code = models.CharField(max_length=30)
    description = models.CharField(max_length=100)
    days = models.PositiveIntegerField(default=30, help_text="Days from invoice date to due date.")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "terms of payment"
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="fortnox_terms_unique")]

    def __str__(self):
        return f"{self.code} {self.description}"


class Customer(models.Model):
    """Deleted customers stay (soft delete): their number is never given out again (2000637)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="customers")
    customer_number = models.CharField(max_length=50)
    name = models.CharField(max_length=1024)
    email = models.CharField(max_length=1024, blank=True)
    organisation_number = models.CharField(max_length=30, blank=True)
    data = models.JSONField(default=dict)
    deleted_at = models.DateTimeField(null=True, blank=True)
    last_modified = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "customer_number"], name="fortnox_customer_number_unique"),
            models.CheckConstraint(condition=~Q(customer_number=""), name="fortnox_customer_number_set"),
        ]

    def __str__(self):
        return f"customer {self.customer_number} {self.name}"


class Invoice(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invoices")
    document_number = models.PositiveBigIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    customer_number = models.CharField(max_length=50, db_index=True)
    invoice_date = models.DateField()
    due_date = models.DateField()
    external_invoice_reference1 = models.CharField(max_length=80, blank=True, db_index=True)
    external_invoice_reference2 = models.CharField(max_length=80, blank=True)
    your_order_number = models.CharField(max_length=30, blank=True, db_index=True)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    balance = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    booked = models.BooleanField(default=False)
    cancelled = models.BooleanField(default=False)
    sent = models.BooleanField(default=False)
    credit = models.BooleanField(default=False)
    credit_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_invoices"
    )
    data = models.JSONField(default=dict, help_text="Header fields; rows live in InvoiceRow.")
    last_modified = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["document_number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "document_number"], name="fortnox_invoice_number_unique"),
            models.CheckConstraint(condition=Q(document_number__gt=0), name="fortnox_invoice_number_positive"),
            models.CheckConstraint(
                condition=~Q(booked=True, cancelled=True), name="fortnox_invoice_not_booked_and_cancelled"
            ),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("invoice_date")),
                                   name="fortnox_invoice_due_after_invoice_date"),
        ]

    def __str__(self):
        return f"invoice {self.document_number}"


class InvoiceRow(models.Model):
    """The primary key is the row's `RowId`; rows are recreated on each update, as Fortnox does."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="fortnox_invoice_row_position_unique")
        ]

    def __str__(self):
        return f"row {self.position} of {self.invoice}"


class Article(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="articles")
    article_number = models.CharField(max_length=50)
    description = models.CharField(max_length=200)
    ean = models.CharField(max_length=30, blank=True)
    quantity_in_stock = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    reserved_quantity = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    data = models.JSONField(default=dict)
    last_modified = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["article_number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "article_number"], name="fortnox_article_number_unique"),
            models.CheckConstraint(condition=~Q(article_number=""), name="fortnox_article_number_set"),
            models.CheckConstraint(
                condition=Q(quantity_in_stock__gte=-100_000_000_000_000), name="fortnox_article_stock_floor"
            ),
        ]

    def __str__(self):
        return f"article {self.article_number} {self.description}"


class PriceList(models.Model):
    """A price list (`/3/pricelists`, scope `price`). Every company starts with "A", the default one."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="price_lists")
    code = models.CharField(max_length=30)
    description = models.CharField(max_length=200)
    comments = models.CharField(max_length=200, blank=True)
    pre_selected = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="fortnox_price_list_unique"),
            models.CheckConstraint(condition=~Q(code=""), name="fortnox_price_list_code_set"),
        ]

    def __str__(self):
        return f"price list {self.code}"


class Price(models.Model):
    """An article's price on a price list from a quantity on; `SalesPrice` reads list "A" from 0."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="prices")
    from_quantity = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    price = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    percent = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    date = models.DateField(auto_now=True)

    class Meta:
        ordering = ["price_list", "article", "from_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "article", "from_quantity"], name="fortnox_price_unique"),
            models.CheckConstraint(condition=Q(from_quantity__gte=0), name="fortnox_price_from_quantity"),
        ]

    def __str__(self):
        return f"{self.article.article_number} on {self.price_list.code} from {self.from_quantity}: {self.price}"
