from django.db import migrations, models


def finish_existing_reports(apps, schema_editor):
    """Reports written before progress was kept were complete when saved: mark them done, so the
    nightly task does not take them for ones a killed task left behind."""
    report = apps.get_model("integrations", "ReconciliationReport")
    report.objects.update(phase="done", passes=1, finished_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0006_webhook_event_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="reconciliationreport",
            name="waiting",
            field=models.PositiveIntegerField(
                default=0, help_text="Shipments/returns not due for a document yet under their flow's trigger."
            ),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="queued_for_catch_up",
            field=models.PositiveIntegerField(
                default=0,
                help_text="Differences handed to their flow to be invoiced or credited (missing documents only).",
            ),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="phase",
            field=models.CharField(
                choices=[("shipments", "Checking shipments"), ("returns", "Checking returns"),
                         ("catch_up", "Queueing the catch-up"), ("done", "Done")],
                default="shipments", max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="page",
            field=models.PositiveIntegerField(default=1, help_text="The next Centra page of the phase."),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="passes",
            field=models.PositiveIntegerField(default=0, help_text="How many times the day was started from the top."),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="claimed_by",
            field=models.CharField(blank=True, help_text="The task reconciling the day now.", max_length=32),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="lease_until",
            field=models.DateTimeField(blank=True, help_text="Until when that task's claim holds.", null=True),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="reconciliationreport",
            name="error",
            field=models.TextField(blank=True, help_text="Why the last attempt stopped before finishing."),
        ),
        migrations.RunPython(finish_existing_reports, migrations.RunPython.noop),
    ]
