"""OSS accounts per (country, VAT rate) instead of one account + rate (+ reduced rate) per country;
invoice booking snapshots; no rounding account (the ERP books its own RoundOff).

Existing OSS countries are carried over: the standard rate becomes one row, the reduced rate (if
set) a second row on the same sales account, which is what the old setting booked it on.
"""

import django.db.models.deletion
from django.db import migrations, models


def per_rate(apps, schema_editor):
    OssCountry = apps.get_model("mappings", "OssCountry")
    OssAccount = apps.get_model("mappings", "OssAccount")
    for country in OssCountry.objects.all():
        rates = {country.vat_rate}
        if country.reduced_vat_rate is not None:
            rates.add(country.reduced_vat_rate)
        for rate in rates:
            OssAccount.objects.get_or_create(
                integration_id=country.integration_id, country_code=country.country_code.upper(), vat_rate=rate,
                defaults={"sales_account": country.sales_account},
            )


def per_country(apps, schema_editor):
    """Back to one row per country: the highest rate is the standard one, the next highest the reduced."""
    OssCountry = apps.get_model("mappings", "OssCountry")
    OssAccount = apps.get_model("mappings", "OssAccount")
    by_country = {}
    for account in OssAccount.objects.order_by("integration_id", "country_code", "-vat_rate"):
        by_country.setdefault((account.integration_id, account.country_code), []).append(account)
    for (integration_id, code), accounts in by_country.items():
        standard = accounts[0]
        OssCountry.objects.get_or_create(
            integration_id=integration_id, country_code=code,
            defaults={"sales_account": standard.sales_account, "vat_rate": standard.vat_rate,
                      "reduced_vat_rate": accounts[1].vat_rate if len(accounts) > 1 else None},
        )


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0006_webhook_event_index"),
        ("mappings", "0002_gift_card_skus"),
    ]

    operations = [
        migrations.CreateModel(
            name="OssAccount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("country_code", models.CharField(help_text="ISO code of the destination country, e.g. FR.", max_length=2)),
                ("vat_rate", models.DecimalField(decimal_places=2, help_text="The rate Centra charges there, e.g. 20 or 5.5 (reduced).", max_digits=5)),
                ("sales_account", models.PositiveIntegerField(help_text="Goods, shipping and discounts at this rate.")),
                ("return_fee_account", models.PositiveIntegerField(blank=True, help_text="Return fees on goods returned at this rate; empty = the sales account, so the fee stays in the country's OSS report.", null=True)),
                ("integration", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="oss_accounts", to="integrations.integration")),
            ],
            options={
                "verbose_name": "OSS sales account",
                "ordering": ["country_code", "-vat_rate"],
                "constraints": [
                    models.UniqueConstraint(fields=("integration", "country_code", "vat_rate"), name="ossaccount_unique_rate"),
                    models.CheckConstraint(condition=models.Q(("sales_account__range", (1000, 9999))), name="ossaccount_account_4_digits"),
                    models.CheckConstraint(condition=models.Q(("return_fee_account__isnull", True), ("return_fee_account__range", (1000, 9999)), _connector="OR"), name="ossaccount_return_fee_account_4_digits"),
                    models.CheckConstraint(condition=models.Q(("vat_rate__gte", 0), ("vat_rate__lte", 100)), name="ossaccount_vat_range"),
                ],
            },
        ),
        migrations.RunPython(per_rate, per_country),
        migrations.DeleteModel(name="OssCountry"),
        migrations.CreateModel(
            name="InvoiceBooking",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("snapshot", models.JSONField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("link", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="booking", to="integrations.recordlink")),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="bookkeeping",
            name="bookkeeping_accounts_4_digits",
        ),
        migrations.RemoveField(
            model_name="bookkeeping",
            name="rounding_account",
        ),
        migrations.AlterField(
            model_name="bookkeeping",
            name="discount_account",
            field=models.PositiveIntegerField(blank=True, default=None, help_text="Order discounts and vouchers on domestic sales; empty = the goods' sales account. Other sales (OSS, EU, export) book them on the goods' account.", null=True),
        ),
        migrations.AlterField(
            model_name="bookkeeping",
            name="return_fee_account",
            field=models.PositiveIntegerField(default=3540, help_text="Return fees charged to the customer (never shipping); OSS sales use the OSS account's return fee account."),
        ),
        migrations.AlterField(
            model_name="bookkeeping",
            name="rounding_decimals",
            field=models.PositiveSmallIntegerField(choices=[(2, "To the öre (2 decimals)"), (0, "Whole units")], default=2, help_text="How the ERP rounds invoice totals (Fortnox: the company's rounding setting): 2 = to the öre, 0 = whole units. Rows always add up to Centra's total to the öre; the ERP books the difference to its rounded total itself (RoundOff), no rounding row is sent."),
        ),
        migrations.AddConstraint(
            model_name="bookkeeping",
            constraint=models.CheckConstraint(condition=models.Q(("eu_reverse_charge_account__range", (1000, 9999)), ("eu_vat_account__range", (1000, 9999)), ("export_account__range", (1000, 9999)), ("freight_account__range", (1000, 9999)), ("gift_card_account__range", (1000, 9999)), ("return_fee_account__range", (1000, 9999)), ("sales_account_0__range", (1000, 9999)), ("sales_account_12__range", (1000, 9999)), ("sales_account_25__range", (1000, 9999)), ("sales_account_6__range", (1000, 9999))), name="bookkeeping_accounts_4_digits"),
        ),
    ]
