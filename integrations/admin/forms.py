"""Console forms: proper fields for what the models keep as JSON (flow options, markets, gift-card
SKUs), and the small forms actions ask for (a reference, a date, a day)."""

from datetime import datetime, time

from django import forms
from django.utils import timezone

from mappings.models import Bookkeeping, PostingGroups

from ..models import Flow


class LinesField(forms.CharField):
    """A list edited one item per line (commas work too): never a JSON box."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [item.strip() for item in text.replace(",", "\n").splitlines() if item.strip()]


# Flow options, per flow kind: (name, form field). Only the kind's own options are shown.
def _option_fields(kind: str) -> dict[str, forms.Field]:
    backfill = forms.IntegerField(
        label="First sync looks back (days)", min_value=0, max_value=3650, required=False,
        help_text="How far back a flow that never ran reads Centra (empty: the default).")
    return {
        Flow.Kind.ORDERS: {"backfill_days": backfill},
        Flow.Kind.CUSTOMERS: {"backfill_days": backfill},
        Flow.Kind.REFUNDS: {
            "backfill_days": backfill,
            "trigger": forms.ChoiceField(
                label="Credit invoice when", required=False,
                choices=[("return_completed", "the return is completed"), ("return_created", "the return is created")],
                help_text="Which return event makes a credit invoice."),
        },
        Flow.Kind.PRODUCTS: {
            "article_type": forms.ChoiceField(label="Article type", required=False,
                                              choices=[("STOCK", "Stock article"), ("SERVICE", "Service")]),
            "pricelist": forms.CharField(label="Centra price list", required=False, max_length=100,
                                         help_text="The Centra price list whose prices go to the ERP."),
            "price_list": forms.CharField(label="ERP price list", required=False, max_length=20,
                                          help_text="Empty: the ERP's default price list."),
        },
        Flow.Kind.STOCK: {
            "match_on": forms.ChoiceField(label="Match articles on", required=False,
                                          choices=[("sku", "SKU"), ("ean", "EAN")]),
            "warehouse": forms.CharField(label="ERP warehouse", required=False, max_length=50,
                                         help_text="Empty: the ERP's stock over all warehouses."),
        },
    }.get(kind, {})


class FlowForm(forms.ModelForm):
    """A flow with its kind's options as fields; the shipment trigger only on the orders flow."""

    class Meta:
        model = Flow
        fields = ["integration", "kind", "enabled", "trigger", "schedule_minutes", "batch_size"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.instance.kind if self.instance.pk else (self.data.get("kind") or self.initial.get("kind"))
        self.option_names = list(_option_fields(kind))
        for name, field in _option_fields(kind).items():
            field.initial = (self.instance.options or {}).get(name)
            self.fields[f"option_{name}"] = field
        if self.instance.pk:
            self.fields["kind"].disabled = True
            self.fields["integration"].disabled = True
        if kind != Flow.Kind.ORDERS:
            self.fields.pop("trigger", None)

    def save(self, commit=True):
        flow = super().save(commit=False)
        options = dict(flow.options or {})
        for name in self.option_names:
            value = self.cleaned_data.get(f"option_{name}")
            if value in (None, ""):
                options.pop(name, None)
            else:
                options[name] = value
        flow.options = options
        if commit:
            flow.save()
        return flow


class BookkeepingForm(forms.ModelForm):
    markets = LinesField(required=False, label="Markets to sync",
                         help_text="Centra market names, one per line; empty syncs every market.")
    gift_card_skus = LinesField(required=False, label="Gift-card SKUs",
                                help_text="One SKU per line: booked on the gift card account without VAT.")

    class Meta:
        model = Bookkeeping
        fields = [field.name for field in Bookkeeping._meta.get_fields()
                  if getattr(field, "editable", False) and not field.auto_created and field.name != "updated_at"]


class PairsField(forms.CharField):
    """A small table edited one `key = value` pair per line (e.g. `DE = OSS-DE`): never a JSON box."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, *, key_check=None, **kwargs):
        self.key_check = key_check  # (normalise key, message) or None
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(f"{key} = {group}" for key, group in value.items()) if isinstance(value, dict) else value

    def to_python(self, value):
        pairs, problems = {}, []
        for number, line in enumerate((super().to_python(value) or "").splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, group = (part.strip() for part in line.partition("="))
            if not sep or not key or not group:
                problems.append(f"Line {number}: write it as `key = posting group`, e.g. `DE = OSS-DE`.")
                continue
            if self.key_check:
                normalise, message = self.key_check
                try:
                    key = normalise(key)
                except ValueError:
                    problems.append(f"Line {number}: {message} ({key!r}).")
                    continue
            if len(group) > 20:
                problems.append(f"Line {number}: Business Central posting group codes have at most 20 characters.")
                continue
            pairs[key] = group.upper()
        if problems:
            raise forms.ValidationError(problems)
        return pairs


def _country(code: str) -> str:
    if len(code) != 2 or not code.isalpha():
        raise ValueError(code)
    return code.upper()


def _rate(text: str) -> str:
    return format(float(text.replace("%", "").replace(",", ".").strip()), "g")


class PostingGroupsForm(forms.ModelForm):
    oss = PairsField(required=False, label="OSS countries", key_check=(_country, "a country is two letters"),
                     help_text="EU consumers with OSS on, one country per line: `DE = OSS-DE`.")
    vat_products = PairsField(required=False, label="VAT rates", key_check=(_rate, "a VAT rate is a number"),
                              help_text="VAT product posting group per VAT rate Centra charges, one per line: "
                                        "`25 = VAT25`.")

    class Meta:
        model = PostingGroups
        fields = ["domestic", "eu_reverse_charge", "eu_home_vat", "export", "oss", "vat_products"]


class ExportOneForm(forms.Form):
    reference = forms.CharField(
        label="Order, shipment or return", max_length=40,
        help_text="An order number (10001: its shipments and returns), a shipment number (10001-2) or a return "
                  "id (R315), as in Centra.")


class BackfillForm(forms.Form):
    since = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="Records changed in Centra from this day on are read again.")

    def clean_since(self):
        day = self.cleaned_data["since"]
        if day > timezone.localdate():
            raise forms.ValidationError("A backfill starts in the past: pick today or an earlier day.")
        return day

    def since_moment(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["since"], time.min))


class DayForm(forms.Form):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}),
                          help_text="The day whose shipments and returns are checked against the ERP.")

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError("Pick a day that has happened (today or earlier).")
        return day
