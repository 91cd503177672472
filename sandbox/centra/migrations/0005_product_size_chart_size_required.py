import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox_centra', '0004_product_size_chart_sizes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='productsize',
            name='chart_size',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='product_sizes', to='sandbox_centra.size'),
        ),
    ]
