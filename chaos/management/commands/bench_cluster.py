"""`manage.py bench_cluster` (`make bench-cluster`): many shops on a cluster of real workers.

Starts the sandbox server and `--workers` django-q2 clusters (`qcluster`) on PostgreSQL + Redis
(DATABASE_URL and REDIS_URL must say which; the command refuses SQLite), builds `--tenants` sandbox
shops (one live integration each, its orders flow enabled, `--n` shipments seeded, Fortnox
answering in `--latency-ms` and enforcing 25 requests per 5 s per tenant), lets the scheduler run
the flows until every shipment is invoiced or `--timeout` passes, stops the workers and prints:

- total invoices per second, from the scheduler's start to the last invoice;
- per tenant, the most requests the Fortnox simulator let in within one 5 s window (what Fortnox
  saw, against its 25), the most invoices completed in any 5 s (answers can bunch, so this one
  may pass 25 without any request doing so), and when its first invoice landed;
- 429s handed out by the Fortnox and Centra simulators, and any flow that ran twice at once.
"""

import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from chaos import bench
from chaos.harness import Harness, free_port

TICK_SECONDS = 2


class Command(BaseCommand):
    help = "Many shops on a cluster of qcluster workers (PostgreSQL + Redis): throughput, limits, fairness."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--tenants", type=int, default=20)
        parser.add_argument("--workers", type=int, default=4, help="qcluster processes")
        parser.add_argument("--n", type=int, default=30, help="shipments per tenant")
        parser.add_argument("--latency-ms", type=int, default=300)
        parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every invoice")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, tenants, workers, n, latency_ms, timeout, seed, **options):
        if connection.vendor != "postgresql" or not settings.REDIS_URL:
            raise CommandError("bench_cluster runs on PostgreSQL + Redis: set DATABASE_URL and REDIS_URL")
        seed = seed or random.randrange(1, 2**31)
        call_command("migrate", interactive=False, verbosity=0)
        from integrations.connectors.ratelimit import shared_limiter
        from integrations.models import Flow

        shared_limiter().reset()  # windows of an earlier bench on this Redis db
        Flow.objects.update(enabled=False)  # shops of an earlier bench on this database stay idle
        bench.reset_fault_counters()
        log_dir = Path(tempfile.mkdtemp(prefix="junipeer-bench-cluster-"))
        env = {**os.environ, "DEBUG": "false", "Q_WORKERS": os.environ.get("Q_WORKERS", "2")}
        self.say(f"bench-cluster: {tenants} tenants x {n} shipments, {workers} qcluster workers "
                 f"(Q_WORKERS={env['Q_WORKERS']} each), PostgreSQL + Redis, Fortnox answers in {latency_ms} ms, "
                 f"seed {seed}, {os.cpu_count()} cores")
        with Harness(env=env, log_dir=log_dir, port=free_port(), rng=random.Random(seed)) as harness:
            harness.start_server()
            requests.delete(f"{harness.site_url}/sandbox/faults/fortnox/rate-limit", timeout=10).raise_for_status()
            bench.set_fortnox_latency(latency_ms)
            shops = [bench.build_shop(harness.site_url, shipments=n, customers=max(5, n // 5), seed=seed + index,
                                      limited=True) for index in range(tenants)]
            for shop in shops:
                shop.integration.flows.filter(kind="orders").update(schedule_minutes=1)
            for _ in range(workers):
                harness.start_worker()
            started = time.time()
            harness.start_scheduler(TICK_SECONDS)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.invoiced(shops) < tenants * n:
                harness.check_workers()
                time.sleep(1)
            harness.stop_scheduler()
            harness.stop_workers()
            self.say(f"workers stopped cleanly: {all(not worker.alive for worker in harness.retired)}")
            seen = requests.get(f"{harness.site_url}/sandbox/faults/fortnox/rate-limit", timeout=10)
            seen.raise_for_status()
            self.report(shops, n, started, seen.json()["tenants"])
        shutil.rmtree(log_dir, ignore_errors=True)

    @staticmethod
    def invoiced(shops) -> int:
        from integrations.models import RecordLink

        return RecordLink.objects.filter(integration__in=[shop.integration for shop in shops], object_type="invoice",
                                         ).exclude(target_id="").count()

    def report(self, shops, n: int, started: float, fortnox_seen: dict) -> None:
        from integrations.models import RecordLink, SyncRun
        from sandbox.models import FaultProfile

        done_at, peaks, requests_peaks, firsts = [], [], [], []
        for shop in shops:
            moments = [moment.timestamp() for moment in RecordLink.objects.filter(
                integration=shop.integration, object_type="invoice").exclude(target_id="").values_list(
                "updated_at", flat=True)]
            done_at.extend(moments)
            peaks.append(bench.max_in_window(moments, bench.FORTNOX_WINDOW))
            requests_peaks.append(fortnox_seen.get(str(shop.erp.tenant.database_number), {}).get("peak", 0))
            firsts.append(min(moments) - started if moments else float("inf"))
            self.say(f"  {shop.slug}: {len(moments)}/{n} invoices; Fortnox let in at most {requests_peaks[-1]} "
                     f"requests in one 5 s window (limit {bench.FORTNOX_LIMIT}); most invoices done in any 5 s "
                     f"{peaks[-1]}; first after {firsts[-1]:.1f} s")
        total = len(done_at)
        wall = (max(done_at) - started) if done_at else float("inf")
        overlaps = 0
        for shop in shops:
            runs = sorted(SyncRun.objects.filter(flow__integration=shop.integration).values_list(
                "started_at", "finished_at"))
            overlaps += sum(1 for (_, end), (start, _) in zip(runs, runs[1:], strict=False) if end and start < end)
        seen = dict(FaultProfile.objects.values_list("system", "seen_429"))
        self.say(f"\n{total} invoices in {wall:.1f} s = {total / wall:.2f} invoices/s over {len(shops)} tenants; "
                 f"first invoice of every tenant within {max(firsts):.1f} s; "
                 f"most Fortnox requests of one tenant in one 5 s window {max(requests_peaks)} "
                 f"(limit {bench.FORTNOX_LIMIT}; most invoices done in any 5 s {max(peaks)}); "
                 f"429s from Fortnox {seen.get('fortnox', 0)}, from Centra {seen.get('centra', 0)}")
        self.say(f"tenants={len(shops)} invoices_per_s={total / wall:.2f} max_tenant_5s={max(requests_peaks)} "
                 f"http429={seen.get('fortnox', 0) + seen.get('centra', 0)} overlapping_runs={overlaps} "
                 f"first_invoice_max_s={max(firsts):.1f}")

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
