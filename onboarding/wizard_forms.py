"""Forms of the Get Started steps; the ERP's fields come from its connector descriptor."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from integrations.domain.money import percent_text
from integrations.domain.registry import descriptor
from integrations.models import Integration
from mappings.models import Bookkeeping, OssAccount, PostingGroups


class CentraForm(forms.Form):
    base_url = forms.URLField(label="Centra API address", assume_scheme="https",
                              help_text="Your Centra's address, e.g. https://brand.centra.com.")
    api_token = forms.CharField(
        label="Centra API token", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="An Integration API token: Centra AMS > System > API Tokens. Never shown again after saving.",
    )

    def __init__(self, *args, has_token: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_token = has_token
        if has_token:
            self.fields["api_token"].help_text = "A token is saved (not shown). Leave empty to keep it."

    def clean_api_token(self):
        token = self.cleaned_data["api_token"]
        if not token and not self.has_token:
            raise forms.ValidationError("Paste the API token from Centra AMS > System > API Tokens.")
        return token


class ErpChoiceForm(forms.Form):
    kind = forms.ChoiceField(label="Your ERP", widget=forms.RadioSelect)

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(s.kind, s.label) for s in systems]


class ErpCredentialsForm(forms.Form):
    """For an ERP reached with API credentials rather than OAuth2: the descriptor's typed fields (the
    ones chosen from the ERP's own lists come after these are checked: `ErpChoicesForm`)."""

    def __init__(self, *args, kind: str, saved=(), **kwargs):
        super().__init__(*args, **kwargs)
        system = descriptor(kind)
        for spec in system.typed_credentials:
            widget = forms.PasswordInput(render_value=False) if spec.secret else forms.TextInput()
            kept = spec.secret and spec.name in saved
            self.fields[spec.name] = forms.CharField(
                label=f"{system.label} {spec.label}", widget=widget,
                required=spec.required and not kept,
                help_text="Saved (not shown); leave empty to keep it." if kept else spec.help_text,
            )
        self.fields["base_url"] = forms.URLField(label=f"{system.label} API address", assume_scheme="https",
                                                 initial=system.default_base_url)
        if system.default_auth_url:
            self.fields["auth_url"] = forms.URLField(
                label=f"{system.label} sign-in address", assume_scheme="https", initial=system.default_auth_url,
                help_text="Where access tokens are fetched; leave it as it is unless you were told otherwise.")


class ErpChoicesForm(forms.Form):
    """What the ERP listed once the credentials were checked (e.g. environment, then company): one
    select per offered choice (`progress.Offered`), never typed."""

    def __init__(self, *args, offered=(), label="", **kwargs):
        super().__init__(*args, **kwargs)
        for choice in offered:
            name = choice.field.label.split(" (")[0]
            self.fields[choice.field.name] = forms.ChoiceField(
                label=f"{label} {choice.field.label}", initial=choice.value,
                choices=[("", f"Choose the {name}")] + list(choice.options),
                error_messages={"required": f"Choose the {name} from the list.",
                                "invalid_choice": f"{label} does not list this {name} (any more): choose one "
                                                  "from the list."})


class MarketsForm(forms.Form):
    """Which Centra markets to sync; test and inactive ones are labelled and left unchosen."""

    markets = forms.MultipleChoiceField(label="Markets to sync", widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": "Choose at least one market to sync."})

    def __init__(self, *args, markets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["markets"].choices = [
            (m.name, f"{m.name} — {', '.join(m.countries) or 'no countries'}"
                     f"{' · ' + ', '.join(m.currencies) if m.currencies else ''}"
                     f"{' (' + ', '.join(m.flags) + ')' if m.flags else ''}")
            for m in markets]


FLOW_HELP = {
    "orders": ("Centra → ERP", "One invoice per shipment (an order shipped in two batches gives two invoices)."),
    "customers": ("Centra → ERP", "Customers are matched by e-mail before one is created, so none is doubled."),
    "refunds": ("Centra → ERP", "A Centra return becomes a credit invoice of its shipment's invoice."),
    "stock": ("ERP → Centra", "Stock levels in the ERP are written to Centra's warehouse."),
    "products": ("Centra → ERP", "Centra's products become ERP articles, with prices from a pricelist."),
}
TRIGGER_HELP = {
    "shipment_created": "The invoice is made as soon as Centra creates the shipment (good to ship), when the "
                        "payment is captured.",
    "shipment_shipped": "The invoice is made when the shipment is marked shipped, so nothing is invoiced before "
                        "it leaves the warehouse.",
}


class FlowsForm(forms.Form):
    trigger = forms.ChoiceField(label="When is an invoice made?", widget=forms.RadioSelect)

    def __init__(self, *args, kinds=(), trigger_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in kinds:
            direction, help_text = FLOW_HELP.get(kind, ("", ""))
            self.fields[f"flow_{kind}"] = forms.BooleanField(label=f"{label} ({direction})", required=False,
                                                             help_text=help_text)
        self.fields["trigger"].choices = [(value, f"{label}: {TRIGGER_HELP.get(value, '')}")
                                          for value, label in trigger_choices]

    def clean(self):
        cleaned = super().clean()
        if not any(value for name, value in cleaned.items() if name.startswith("flow_")):
            raise forms.ValidationError("Choose at least one flow.")
        return cleaned


# The sales accounts an ERP booking by row accounts needs (Fortnox); posting groups replace them.
SALES_FIELDS = ("sales_account_25", "sales_account_12", "sales_account_6", "sales_account_0",
                "eu_reverse_charge_account", "eu_vat_account", "export_account")


class BookkeepingForm(forms.ModelForm):
    gift_card_skus = forms.CharField(label="Gift-card SKUs", required=False, widget=forms.TextInput,
                                     help_text="Comma-separated SKUs booked on the gift card account without VAT.")

    class Meta:
        model = Bookkeeping
        fields = ["sales_account_25", "sales_account_12", "sales_account_6", "sales_account_0",
                  "eu_reverse_charge_account", "eu_vat_account", "export_account", "oss_enabled",
                  "freight_account", "freight_article", "discount_account", "discount_article",
                  "return_fee_account", "return_fee_article", "gift_card_account", "gift_card_skus",
                  "rounding_decimals"]
        labels = {"sales_account_25": "Sales account 25 %", "sales_account_12": "Sales account 12 %",
                  "sales_account_6": "Sales account 6 %", "sales_account_0": "Sales account 0 %",
                  "eu_reverse_charge_account": "EU reverse charge account", "eu_vat_account": "EU VAT account",
                  "oss_enabled": "OSS on"}

    def __init__(self, *args, by_posting_groups=False, **kwargs):
        """`by_posting_groups`: the ERP picks sales accounts from posting groups (Business Central), so
        the sales accounts per rate, EU and export are not asked; a discount then has no sales account
        to fall back on and needs its own account or item."""
        super().__init__(*args, **kwargs)
        self.by_posting_groups = by_posting_groups
        if by_posting_groups:
            for name in SALES_FIELDS:
                del self.fields[name]
            self.fields["discount_account"].help_text = (
                "Order discounts and vouchers: the G/L account they are booked on, unless a discount item is given.")
        self.initial["gift_card_skus"] = ", ".join(self.instance.gift_card_skus or [])
        for name, field in self.fields.items():
            if name.endswith("_account"):
                field.widget = forms.NumberInput(attrs={"min": 1000, "max": 9999, "inputmode": "numeric"})
                field.min_value, field.max_value = 1000, 9999

    def clean_gift_card_skus(self):
        return [sku.strip() for sku in self.cleaned_data["gift_card_skus"].split(",") if sku.strip()]

    def clean(self):
        cleaned = super().clean()
        if self.by_posting_groups and not cleaned.get("discount_account") and not cleaned.get("discount_article") \
                and "discount_account" not in self.errors:
            self.add_error("discount_account", "Give the G/L account discounts are booked on (or a discount item): "
                                               "with posting groups there is no sales account to fall back on.")
        return cleaned


class OssRowForm(forms.ModelForm):
    class Meta:
        model = OssAccount
        fields = ["country_code", "vat_rate", "sales_account", "return_fee_account"]
        labels = {"country_code": "Country", "vat_rate": "VAT %", "sales_account": "Sales account",
                  "return_fee_account": "Return fee account"}


def oss_formset(integration, data=None):
    """One row per (country, VAT rate): a reduced rate is a row of its own."""
    factory = forms.inlineformset_factory(Integration, OssAccount, form=OssRowForm, extra=2, can_delete=True)
    return factory(data, instance=integration, prefix="oss")


SITUATIONS = (("domestic", "Domestic sales"), ("eu_reverse_charge", "EU businesses with a VAT number (reverse charge)"),
              ("eu_home_vat", "EU consumers while OSS is off (home VAT)"), ("export", "Buyers outside the EU"))
EXTRA_ROWS = 2


class PostingGroupsStepForm(forms.Form):
    """Bookkeeping by posting groups (an ERP whose descriptor says `posting_groups`): each booking
    situation to a VAT business posting group, each OSS country too, and each VAT rate Centra charges
    to a VAT product posting group, chosen from the company's own groups (`listed`)."""

    def __init__(self, *args, instance: PostingGroups, listed: dict, system: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance, self.system = instance, system
        business, product = listed.get("vat_business", []), listed.get("vat_product", [])
        for name, label in SITUATIONS:
            self.fields[name] = self._group(business, getattr(instance, name), label)
        self.oss_count = len(instance.oss or {}) + EXTRA_ROWS
        for i, (country, code) in enumerate(self._rows(sorted((instance.oss or {}).items()))):
            self.fields[f"oss_country_{i}"] = forms.CharField(
                label="Country", required=False, initial=country,
                widget=forms.TextInput(attrs={"maxlength": 2, "size": 3, "autocapitalize": "characters"}))
            self.fields[f"oss_group_{i}"] = self._group(business, code, "VAT business posting group")
        rates = sorted((instance.vat_products or {}).items(), key=lambda pair: -float(pair[0]))
        self.rate_count = len(rates) + EXTRA_ROWS
        for i, (rate, code) in enumerate(self._rows(rates)):
            self.fields[f"rate_{i}"] = forms.DecimalField(label="VAT %", required=False, min_value=0, max_value=100,
                                                          decimal_places=2, initial=rate)
            self.fields[f"rate_group_{i}"] = self._group(product, code, "VAT product posting group")

    @staticmethod
    def _rows(pairs):
        return list(pairs) + [("", "")] * EXTRA_ROWS

    def _group(self, listed, current: str, label: str) -> forms.ChoiceField:
        choices = [("", "— not mapped —")] + [(code, f"{code} — {name}" if name else code) for code, name in listed]
        if current and current not in {code for code, _ in listed}:
            choices.append((current, f"{current} (not in {self.system})"))
        return forms.ChoiceField(label=label, choices=choices, required=False, initial=current)

    def oss_rows(self):
        return [(self[f"oss_country_{i}"], self[f"oss_group_{i}"]) for i in range(self.oss_count)]

    def rate_rows(self):
        return [(self[f"rate_{i}"], self[f"rate_group_{i}"]) for i in range(self.rate_count)]

    def situations(self):
        return [self[name] for name, _ in SITUATIONS]

    def clean(self):
        cleaned = super().clean()
        self.oss, self.vat_products = {}, {}
        for i in range(self.oss_count):
            country, group = (cleaned.get(f"oss_country_{i}") or "").strip().upper(), cleaned.get(f"oss_group_{i}")
            if country and (len(country) != 2 or not country.isalpha()):
                self.add_error(f"oss_country_{i}", "Give the country's two-letter ISO code, e.g. DE.")
            elif country and not group:
                self.add_error(f"oss_group_{i}", f"Choose the VAT business posting group of OSS sales to {country}.")
            elif group and not country:
                self.add_error(f"oss_country_{i}", "Give the country this posting group is for.")
            elif country:
                self.oss[country] = group
        for i in range(self.rate_count):
            rate, group = cleaned.get(f"rate_{i}"), cleaned.get(f"rate_group_{i}")
            if rate is not None and not group:
                self.add_error(f"rate_group_{i}",
                               f"Choose the VAT product posting group of {percent_text(rate)} % VAT.")
            elif group and rate is None:
                self.add_error(f"rate_{i}", "Give the VAT rate this posting group is for.")
            elif rate is not None:
                self.vat_products[percent_text(rate)] = group
        return cleaned

    def save(self) -> PostingGroups:
        for name, _ in SITUATIONS:
            setattr(self.instance, name, self.cleaned_data[name])
        self.instance.oss, self.instance.vat_products = self.oss, self.vat_products
        self.instance.clean()
        self.instance.save()
        return self.instance


class GoLiveForm(forms.Form):
    sync_from = forms.DateField(
        label="Exclusion date", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Orders placed before this day are never synced (e.g. what your old integration already booked).")
    backfill = forms.BooleanField(label="Also sync what happened since a day in the past", required=False)
    backfill_from = forms.DateField(label="Backfill from", required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}),
                                    help_text="Shipments and returns changed from this day on are synced at once.")

    # A day outside these bounds is a typo (0001-01-01 or 9999-12-31 would even overflow when made a
    # moment in the shop's time zone): refused beside the field instead.
    EARLIEST = date(2000, 1, 1)

    def clean_sync_from(self):
        day = self.cleaned_data["sync_from"]
        latest = timezone.localdate() + timedelta(days=366)
        if day < self.EARLIEST or day > latest:
            raise forms.ValidationError(f"Give a day from {self.EARLIEST:%Y-%m-%d} to {latest:%Y-%m-%d}: orders "
                                        "placed before the exclusion date are never synced.")
        return day

    def clean_backfill_from(self):
        day = self.cleaned_data["backfill_from"]
        if day and day < self.EARLIEST:
            raise forms.ValidationError(f"Give a day from {self.EARLIEST:%Y-%m-%d} on.")
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("backfill") and "backfill_from" not in self.errors:
            start = cleaned.get("backfill_from")
            if not start:
                self.add_error("backfill_from", "Give the day the backfill starts from.")
            elif start > timezone.localdate():
                self.add_error("backfill_from", "A backfill starts today or earlier.")
            elif cleaned.get("sync_from") and start < cleaned["sync_from"]:
                self.add_error("backfill_from", "Orders before the exclusion date are never synced: start the "
                                                "backfill on or after it.")
        return cleaned
