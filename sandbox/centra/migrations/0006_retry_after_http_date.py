"""Retry-After defaults to the Unix time to resume, as Centra words it; HTTP-dates become a third form."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox_centra', '0005_product_size_chart_size_required'),
    ]

    operations = [
        migrations.AlterField(
            model_name='store',
            name='retry_after_format',
            field=models.CharField(choices=[('delta', 'seconds to wait (RFC 9110 delta-seconds)'), ('timestamp', "Unix time to resume at (how Centra's docs word it)"), ('http_date', 'HTTP-date to resume at (RFC 9110)')], default='timestamp', max_length=16),
        ),
    ]
