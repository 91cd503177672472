"""Webhook retries off by default (up to 3, doubling delays), a 5 s timeout, and a record of each delivery."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox_centra', '0006_retry_after_http_date'),
    ]

    operations = [
        migrations.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField()),
                ('events', models.JSONField(help_text='The `events` list of the payload.')),
                ('status', models.CharField(choices=[('SENDING', 'Sending'), ('DELIVERED', 'a 2xx answered one attempt'), ('DROPPED', 'every attempt failed; Centra moves on')], default='SENDING', max_length=16)),
                ('attempts', models.JSONField(blank=True, default=list, help_text='One entry per attempt: {"at": ISO time, "status": HTTP status or null, "error": text}.')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='store',
            name='webhook_retry_delay',
            field=models.FloatField(default=1.0, help_text='Seconds before the first retry; doubles after.'),
        ),
        migrations.AlterField(
            model_name='store',
            name='webhook_retries',
            field=models.PositiveSmallIntegerField(default=0, help_text='Retries after a failed attempt (0-3).'),
        ),
        migrations.AlterField(
            model_name='store',
            name='webhook_timeout',
            field=models.FloatField(default=5.0, help_text='Seconds per delivery attempt.'),
        ),
        migrations.AddConstraint(
            model_name='store',
            constraint=models.CheckConstraint(condition=models.Q(('webhook_retry_delay__gte', 0), ('webhook_timeout__gt', 0)), name='centra_store_webhook_timing_valid'),
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='store',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_deliveries', to='sandbox_centra.store'),
        ),
        migrations.AddConstraint(
            model_name='webhookdelivery',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ('SENDING', 'DELIVERED', 'DROPPED'))), name='centra_webhook_delivery_status'),
        ),
    ]
