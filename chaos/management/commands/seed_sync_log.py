"""`manage.py seed_sync_log --records 1000000`: a sync log as big as a busy year, for measuring.

Bulk-inserts realistic sync records (invoices of shipments, credit invoices of returns, customers;
mostly created, some failed with catalog codes, spread over 90 days) into `--shops` demo-less
integrations, in batches, without calling any system. Development only: it is for the measurement
in `measure_sync_log` and for trying the console's sync log on a million rows.
"""

import random
import time
from contextlib import contextmanager
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from integrations.models import Connection, Flow, Integration, Organization, SyncRecord, SyncRun

BATCH = 5000
RECORDS_PER_RUN = 1000
ERRORS = ["unknown_sku", "remote_rejected", "customer_missing_email", "unmapped_oss_rate", "field_too_long"]


@contextmanager
def own_timestamps(*fields):
    """Let bulk_create keep the created_at/started_at we give (auto_now_add would overwrite them)."""
    saved = [(field, field.auto_now_add) for field in fields]
    for field, _ in saved:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in saved:
            field.auto_now_add = value


def shops(count: int) -> list[Integration]:
    integrations = []
    for n in range(count):
        org, _ = Organization.objects.get_or_create(slug=f"seeded-{n}", defaults={"name": f"Seeded shop {n}"})
        source, _ = Connection.objects.get_or_create(organization=org, name="Centra", kind="centra",
                                                     defaults={"base_url": f"https://seeded{n}.centra.test"})
        target, _ = Connection.objects.get_or_create(organization=org, name="Fortnox", kind="fortnox",
                                                     defaults={"base_url": "https://api.fortnox.test"})
        integration, _ = Integration.objects.get_or_create(
            slug=f"seeded-{n}", defaults={"organization": org, "name": f"Seeded {n}", "source": source,
                                          "target": target, "status": Integration.Status.LIVE})
        for kind in (Flow.Kind.ORDERS, Flow.Kind.REFUNDS, Flow.Kind.CUSTOMERS):
            Flow.objects.get_or_create(integration=integration, kind=kind)
        integrations.append(integration)
    return integrations


class Command(BaseCommand):
    help = "Bulk-insert N realistic sync records (development; for measuring the sync log)."

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=1_000_000)
        parser.add_argument("--shops", type=int, default=20, dest="shop_count")
        parser.add_argument("--seed", type=int, default=11)

    def handle(self, records, shop_count: int, seed, **options):
        rng = random.Random(seed)
        integrations = shops(shop_count)
        flows = {(f.integration_id, f.kind): f for f in Flow.objects.filter(integration__in=integrations)}
        start = SyncRecord.objects.count()
        now, began = timezone.now(), time.monotonic()
        fields = (SyncRecord._meta.get_field("created_at"), SyncRun._meta.get_field("started_at"))
        with own_timestamps(*fields):
            for offset in range(0, records, BATCH):
                size = min(BATCH, records - offset)
                self.batch(rng, integrations, flows, start + offset, size, now)
                done = offset + size
                if done % 100_000 == 0 or done == records:
                    self.stdout.write(f"{done} records, {time.monotonic() - began:.0f} s")
        # Fresh statistics, or PostgreSQL's planner guesses (until autovacuum) and may walk the date
        # index instead of combining the search indexes.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SyncRecord._meta.db_table}")
        self.stdout.write(f"seeded={records} seconds={time.monotonic() - began:.1f}")

    @transaction.atomic
    def batch(self, rng, integrations, flows, first: int, size: int, now) -> None:
        rows = []
        run = None
        for i in range(first, first + size):
            if run is None or (i - first) % RECORDS_PER_RUN == 0:
                integration = integrations[(i // RECORDS_PER_RUN) % len(integrations)]
                moment = now - timedelta(days=90) * (1 - i / (first + size + 1)) - timedelta(seconds=rng.random())
                run = SyncRun.objects.create(flow=flows[(integration.pk, Flow.Kind.ORDERS)], trigger="schedule",
                                             status=SyncRun.Status.PARTIAL, started_at=moment, finished_at=moment)
            order = 100_000 + i // 2
            roll = rng.random()
            kind = "invoice" if roll < 0.85 else "credit_invoice" if roll < 0.95 else "customer"
            failed = rng.random() < 0.07
            email = f"buyer{i % 50_000}@example.com"
            rows.append(SyncRecord(
                run=run, integration_id=run.flow.integration_id, object_type=kind, source_id=str(i),
                source_ref=f"{order}-{i % 2 + 1}" if kind == "invoice" else f"R{i}" if kind == "credit_invoice"
                else email,
                source_parent=str(order), order_number=str(order) if kind != "customer" else "",
                customer_email=email, status="failed" if failed else "created",
                target_id="" if failed else str(500_000 + i), error_code=rng.choice(ERRORS) if failed else "",
                message="Seeded record." if failed else "", superseded=False, created_at=run.started_at,
            ))
        SyncRecord.objects.bulk_create(rows, batch_size=1000)
