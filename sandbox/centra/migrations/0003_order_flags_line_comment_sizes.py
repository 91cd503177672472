"""Fields centra.md §3 lists: order flags, line comments, preorder sizes and their size-chart sizes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox_centra', '0002_price'),
    ]

    operations = [
        migrations.CreateModel(
            name='Size',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('chart', models.CharField(default='Standard', help_text="The size chart's name.", max_length=128)),
                ('name', models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name='order',
            name='is_internal',
            field=models.BooleanField(default=False, help_text='An internal (e.g. staff or replacement) order.'),
        ),
        migrations.AddField(
            model_name='order',
            name='is_locked',
            field=models.BooleanField(default=False, help_text='Set by setOrdersLock: handled through the API only.'),
        ),
        migrations.AddField(
            model_name='orderline',
            name='comment',
            field=models.TextField(blank=True, help_text="The buyer's comment on the line."),
        ),
        migrations.AddField(
            model_name='productsize',
            name='preorder',
            field=models.BooleanField(default=False, help_text='Sold before it is in stock.'),
        ),
        migrations.AddField(
            model_name='size',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sizes', to='sandbox_centra.store'),
        ),
        migrations.AddField(
            model_name='productsize',
            name='chart_size',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='product_sizes', to='sandbox_centra.size'),
        ),
        migrations.AddConstraint(
            model_name='size',
            constraint=models.UniqueConstraint(fields=('store', 'chart', 'name'), name='centra_size_unique_in_chart'),
        ),
    ]
