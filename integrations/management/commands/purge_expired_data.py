"""Purge what is past its retention now, as the daily schedule does: `manage.py purge_expired_data`."""

from django.core.management.base import BaseCommand

from integrations import retention


class Command(BaseCommand):
    help = ("Clear sync record bodies and delete records, runs, webhook events, resolved alerts, reconciliation "
            "reports, task results and login logs past their RETENTION_* days, in batches. Prints the counts "
            "per table.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be purged; change nothing.")

    def handle(self, dry_run, **options):
        report = retention.purge(dry_run=dry_run)
        for table, count in report.counts.items():
            self.stdout.write(f"{table}: {count}")
        for table in report.kept_forever:
            self.stdout.write(f"{table}: kept forever (0 days)")
        self.stdout.write(f"{'would purge' if dry_run else 'purged'} {report.total} row(s)")
