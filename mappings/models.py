"""Field mappings, value maps and bookkeeping settings, per integration.

Each flow kind ships a preset (see `presets.py`) that works for a standard Centra + Fortnox shop
with no edits; these tables hold the integration's copy, which staff and shop owners edit.
"""

from django.core.exceptions import ValidationError
from django.db import models

from integrations.domain.money import percent_text

from .transforms import TRANSFORMS


class FieldMapping(models.Model):
    """Source path -> target field, through a named transform."""

    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="field_mappings")
    flow_kind = models.CharField(max_length=16)
    target = models.CharField(max_length=64, help_text="Target document field, e.g. Invoice.YourOrderNumber")
    source_path = models.CharField(
        max_length=200, blank=True, help_text="Dotted path in the Centra record, e.g. shippingAddress.country.code"
    )
    transform = models.CharField(max_length=32, blank=True, choices=[(name, name) for name in sorted(TRANSFORMS)])
    argument = models.CharField(max_length=200, blank=True, help_text="The transform's argument, if it takes one.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["flow_kind", "position", "target"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "flow_kind", "target"], name="fieldmapping_unique_target"),
        ]

    def __str__(self):
        return f"{self.target} <- {self.source_path or '(constant)'}"

    def clean(self):
        if self.transform and self.transform not in TRANSFORMS:
            raise ValidationError({"transform": f"Unknown transform {self.transform!r}."})
        if not self.source_path and self.transform not in ("default", "constant", "template"):
            raise ValidationError({"source_path": "Give a source path, or use the constant, default or template "
                                                  "transform."})


class ValueMapEntry(models.Model):
    """One entry of a named value map, e.g. payment_method 'Klarna Checkout' -> terms of payment 'K'."""

    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="value_maps")
    map_name = models.CharField(max_length=64)
    source_value = models.CharField(max_length=200)
    target_value = models.CharField(max_length=200)

    class Meta:
        ordering = ["map_name", "source_value"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "map_name", "source_value"], name="valuemapentry_unique_source"
            ),
        ]

    def __str__(self):
        return f"{self.map_name}: {self.source_value} -> {self.target_value}"


class OssAccount(models.Model):
    """EU One-Stop-Shop: the sales account for B2C sales into one EU country at one VAT rate.

    A row is booked at the rate Centra charged for it (Centra applies the destination country's
    rates), on the account of that (country, rate); a rate with no account here fails the record
    with `unmapped_oss_rate`. Fortnox has no OSS flag: its OSS report reads these accounts' VAT
    codes (fortnox.md §6), so shipping, discounts and fees of these sales go on them too.
    """

    integration = models.ForeignKey("integrations.Integration", on_delete=models.CASCADE, related_name="oss_accounts")
    country_code = models.CharField(max_length=2, help_text="ISO code of the destination country, e.g. FR.")
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2,
                                   help_text="The rate Centra charges there, e.g. 20 or 5.5 (reduced).")
    sales_account = models.PositiveIntegerField(help_text="Goods, shipping and discounts at this rate.")
    return_fee_account = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Return fees on goods returned at this rate; empty = the sales account, so the fee stays in "
                  "the country's OSS report.",
    )

    class Meta:
        ordering = ["country_code", "-vat_rate"]
        verbose_name = "OSS sales account"
        constraints = [
            models.UniqueConstraint(fields=["integration", "country_code", "vat_rate"], name="ossaccount_unique_rate"),
            models.CheckConstraint(condition=models.Q(sales_account__range=(1000, 9999)),
                                   name="ossaccount_account_4_digits"),
            models.CheckConstraint(
                condition=models.Q(return_fee_account__isnull=True) | models.Q(return_fee_account__range=(1000, 9999)),
                name="ossaccount_return_fee_account_4_digits",
            ),
            models.CheckConstraint(condition=models.Q(vat_rate__gte=0, vat_rate__lte=100), name="ossaccount_vat_range"),
        ]

    def __str__(self):
        return f"OSS {self.country_code} {percent_text(self.vat_rate)} %: {self.sales_account}"

    def clean(self):
        self.country_code = (self.country_code or "").strip().upper()
        if len(self.country_code) != 2 or not self.country_code.isalpha():
            raise ValidationError({"country_code": "Give the country's two-letter ISO code, e.g. FR."})


class InvoiceBooking(models.Model):
    """How an invoice's rows were booked (accounts and VAT per rate), kept with its record link.

    Credit invoices of the shipment's returns are booked from this, not from the settings of the
    day, so a credit reverses exactly what its invoice booked even after the settings changed.
    """

    link = models.OneToOneField("integrations.RecordLink", on_delete=models.CASCADE, related_name="booking")
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Booking of {self.link}"


def account_field(help_text: str, default: int | None = None):
    """A 4-digit BAS account (range enforced by a constraint on the model)."""
    return models.PositiveIntegerField(default=default, null=default is None, blank=default is None,
                                       help_text=help_text)


class Bookkeeping(models.Model):
    """How an integration books sales: accounts per VAT situation, special rows, rounding.

    Applied the same way to invoices and credit invoices, so a credit always reverses the
    accounts of the invoice it credits.
    """

    integration = models.OneToOneField("integrations.Integration", on_delete=models.CASCADE, related_name="bookkeeping")
    home_country = models.CharField(max_length=2, default="SE")
    home_currency = models.CharField(max_length=3, default="SEK")
    sales_account_25 = account_field("Domestic sales, 25 % VAT (Fortnox SALES_25_SE).", 3001)
    sales_account_12 = account_field("Domestic sales, 12 % VAT (SALES_12_SE).", 3002)
    sales_account_6 = account_field("Domestic sales, 6 % VAT (SALES_6_SE).", 3003)
    sales_account_0 = account_field("Domestic sales without VAT (SALES_0_SE).", 3004)
    eu_reverse_charge_account = account_field("EU B2B with a VAT number: reverse charge (SALESEUREV).", 3108)
    eu_vat_account = account_field("EU B2C without OSS: Swedish VAT (SALESEUVAT).", 3106)
    export_account = account_field("Sales outside the EU (SALESEXPORT).", 3105)
    oss_enabled = models.BooleanField(default=True, help_text="EU B2C sales use the OSS country accounts.")
    freight_account = account_field("Shipping charged to the customer (FREIGHT).", 3520)
    freight_article = models.CharField(max_length=50, blank=True)
    discount_account = account_field("Order discounts and vouchers on domestic sales; empty = the goods' sales "
                                     "account. Other sales (OSS, EU, export) book them on the goods' account.")
    discount_article = models.CharField(max_length=50, blank=True)
    return_fee_account = account_field("Return fees charged to the customer (never shipping); OSS sales use the "
                                       "OSS account's return fee account.", 3540)
    return_fee_article = models.CharField(max_length=50, blank=True)
    gift_card_account = account_field("Gift cards sold (a liability, not a sale).", 2420)
    gift_card_skus = models.JSONField(
        default=list, blank=True, help_text="SKUs that are gift cards: booked on the gift card account without VAT."
    )
    rounding_decimals = models.PositiveSmallIntegerField(
        default=2, choices=[(2, "To the öre (2 decimals)"), (0, "Whole units")],
        help_text="How the ERP rounds invoice totals (Fortnox: the company's rounding setting): 2 = to the öre, "
                  "0 = whole units. Rows always add up to Centra's total to the öre; the ERP books the "
                  "difference to its rounded total itself (RoundOff), no rounding row is sent.",
    )
    markets = models.JSONField(
        default=list, blank=True, help_text="Centra market names to sync; empty = every market."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "bookkeeping"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    sales_account_25__range=(1000, 9999), sales_account_12__range=(1000, 9999),
                    sales_account_6__range=(1000, 9999), sales_account_0__range=(1000, 9999),
                    eu_reverse_charge_account__range=(1000, 9999), eu_vat_account__range=(1000, 9999),
                    export_account__range=(1000, 9999), freight_account__range=(1000, 9999),
                    return_fee_account__range=(1000, 9999), gift_card_account__range=(1000, 9999),
                ),
                name="bookkeeping_accounts_4_digits",
            ),
            models.CheckConstraint(condition=models.Q(rounding_decimals__lte=2), name="bookkeeping_rounding_decimals"),
        ]

    def __str__(self):
        return f"Bookkeeping of {self.integration}"

    def domestic_account(self, vat_rate) -> int | None:
        """The home sales account for a Swedish VAT rate; None for a rate Sweden does not have."""
        by_rate = {
            25: self.sales_account_25, 12: self.sales_account_12, 6: self.sales_account_6, 0: self.sales_account_0,
        }
        return by_rate.get(vat_rate)


def default_vat_products() -> dict:
    return {"25": "VAT25", "12": "VAT12", "6": "VAT6", "0": "VAT0"}


class PostingGroups(models.Model):
    """Bookkeeping the Business Central way: accounts come from posting groups, not from rows.

    Each booking situation maps to a VAT business posting group (given to the buyer's customer
    card) and each VAT rate Centra charges to a VAT product posting group (given to every line);
    BC's VAT posting setup then decides the VAT and the accounts. An unmapped situation or rate
    fails the record with `unmapped_vat_business_group` / `unmapped_vat_product_group`. Defaults
    are the groups a Swedish BC company is set up with; the settings screens list the company's own.
    """

    integration = models.OneToOneField("integrations.Integration", on_delete=models.CASCADE,
                                       related_name="posting_groups")
    domestic = models.CharField(max_length=20, default="DOMESTIC", blank=True,
                                help_text="VAT business posting group for sales in the home country.")
    eu_reverse_charge = models.CharField(max_length=20, default="EU", blank=True,
                                         help_text="EU businesses with a VAT number (reverse charge).")
    eu_home_vat = models.CharField(max_length=20, default="EU-HOME", blank=True,
                                   help_text="EU consumers when OSS is off (home VAT).")
    export = models.CharField(max_length=20, default="EXPORT", blank=True, help_text="Buyers outside the EU.")
    oss = models.JSONField(default=dict, blank=True,
                           help_text='EU consumers with OSS on, per country: {"DE": "OSS-DE", "FR": "OSS-FR"}.')
    vat_products = models.JSONField(default=default_vat_products, blank=True,
                                    help_text='VAT product posting group per VAT rate: {"25": "VAT25", "19": "VAT19"}.')
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "posting groups"
        verbose_name_plural = "posting groups"

    def __str__(self):
        return f"Posting groups of {self.integration}"

    def clean(self):
        for name, value in (("oss", self.oss), ("vat_products", self.vat_products)):
            if not isinstance(value, dict) or not all(isinstance(v, str) and len(v) <= 20 for v in value.values()):
                raise ValidationError({name: "Give an object of codes (at most 20 characters each)."})
        self.oss = {str(country).strip().upper(): code.strip().upper() for country, code in self.oss.items()}
        self.vat_products = {percent_text(rate): code.strip().upper() for rate, code in self.vat_products.items()}
