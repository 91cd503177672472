"""Every product size gets a size-chart size: existing ones the size of their name in "Standard".

Two migrations (backfill, then NOT NULL) so PostgreSQL never alters a table with pending trigger events.
"""

from django.db import migrations

STANDARD_CHART = "Standard"


def sizes_from_descriptions(apps, schema_editor):
    """Existing product sizes get the size of their name in the store's standard size chart."""
    ProductSize = apps.get_model("sandbox_centra", "ProductSize")
    Size = apps.get_model("sandbox_centra", "Size")
    for product_size in ProductSize.objects.select_related("variant__product").filter(chart_size=None):
        size, _ = Size.objects.get_or_create(
            store_id=product_size.variant.product.store_id, chart=STANDARD_CHART, name=product_size.description
        )
        product_size.chart_size = size
        product_size.save(update_fields=["chart_size"])


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox_centra', '0003_order_flags_line_comment_sizes'),
    ]

    operations = [
        migrations.RunPython(sizes_from_descriptions, migrations.RunPython.noop),
    ]
