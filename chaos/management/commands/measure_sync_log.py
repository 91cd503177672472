"""`manage.py measure_sync_log`: the console's sync log list page, timed with each filter and each
search people use, through Django's test client on this database (run `seed_sync_log` first).

Prints one line per page: milliseconds (best of `--repeat`) and SQL statements; with `--explain`,
the database's plan for each search, to check that each is an index lookup and not a scan.
"""

import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import SyncRecord
from integrations.selectors.records import search_records

LIST = "/admin/integrations/syncrecord/"
USERNAME = "sync-log-measurer"


def examples() -> dict[str, str]:
    """A real value of each kind people search by, taken from the log itself."""
    invoice = SyncRecord.objects.filter(object_type="invoice").exclude(target_id="").order_by("-id").first()
    credit = SyncRecord.objects.filter(object_type="credit_invoice").order_by("-id").first()
    if invoice is None or credit is None:
        raise CommandError("The sync log has no invoices and credit invoices to search: run seed_sync_log first.")
    return {"order number": invoice.order_number, "shipment number": invoice.source_ref,
            "return id": f"R{credit.source_id}", "e-mail": invoice.customer_email,
            "document number": invoice.target_id}


class Command(BaseCommand):
    help = "Time the sync log's list page with each filter and search (ms, SQL statements)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--explain", action="store_true", help="Print each search's query plan.")

    def handle(self, repeat, explain, **options):
        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True, "is_superuser": True, "email": "m@example.com"})
        client = Client()
        client.force_login(user)
        record = SyncRecord.objects.order_by("-id").select_related("integration", "run__flow").first()
        today = timezone.localdate()
        pages = {
            "no filter": "",
            "organization": f"?organization={record.integration.organization_id}",
            "integration": f"?integration__id__exact={record.integration_id}",
            "flow": f"?flow={record.run.flow.kind}",
            "status failed": "?status__exact=failed",
            "error code": "?error_code=unknown_sku",
            "date range (7 days)": f"?created_at_from={today - timedelta(days=7)}&created_at_to={today}",
            **{f"search {kind}": f"?q={value}" for kind, value in examples().items()},
        }
        self.stdout.write(f"records={SyncRecord.objects.count()} database={connection.vendor}")
        for name, query in pages.items():
            best, statements = None, 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    response = client.get(LIST + query)
                    elapsed = (time.perf_counter() - began) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{name}: HTTP {response.status_code}")
                best, statements = min(best or elapsed, elapsed), len(queries.captured_queries)
            self.stdout.write(f"{name:<28} {best:8.1f} ms  {statements:3d} queries  {LIST + query}")
        if explain:
            for kind, value in examples().items():
                plan = search_records(SyncRecord.objects.all(), value).order_by("-created_at", "-id")[:50].explain()
                self.stdout.write(f"\n--- {kind} ({value}) ---\n{plan}")
