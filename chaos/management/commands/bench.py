"""`manage.py bench [--n N] [--latency-ms MS]` (`make bench`): the orders flow's figures, measured.

Two parts, each on its own shop of N shipments, each run by a fresh process of its own (so its
CPU, SQL and peak memory are the engine's alone; the simulators answer from a server process):

- *ceiling*: the sandbox enforces Fortnox's real limit (25 requests per 5 s per tenant) and
  answers after `--latency-ms`. A cold run invoices N shipments, then N more are placed and a
  steady run (registers cached, customers known) invoices them in the same process. Its share of
  the ceiling is sustained: Fortnox requests per second while the run had any at Fortnox (first
  request to last answer), over 5 per second; the share over the whole run is printed beside it.
- *overhead*: every limit lifted and no latency, at N and at 10 x N shipments: invoices per
  second, CPU, SQL statements and HTTP calls per invoice, and the peak-RSS ratio of the two.

Without DATABASE_URL it runs in a fresh temporary SQLite file, like `chaos`. The last line is
`ceiling_pct=… http429=… calls_per_invoice=… queries_per_invoice=… cpu_ms_per_invoice=… rss_ratio=…`.
"""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from chaos import bench
from chaos.harness import Harness, free_port

RESULT = "BENCH-RESULT "


def invoiced(integration) -> int:
    from integrations.models import RecordLink

    return RecordLink.objects.filter(integration=integration, object_type="invoice").exclude(target_id="").count()


def run_until_done(integration, expected: int, meter: bench.Meter) -> None:
    """Run the orders flow until every shipment is invoiced (a run may hand over to the next one
    after its time slice) or a run makes no progress."""
    from integrations.flows.runner import run_flow

    flow = integration.flows.get(kind="orders")
    with meter:
        while True:
            before = invoiced(integration)
            run_flow(flow)
            flow.refresh_from_db()
            done = invoiced(integration)
            if done >= expected or done == before:
                return


def figures(meter: bench.Meter, invoices: int) -> dict:
    return {
        "invoices": invoices, "wall": meter.wall, "cpu": meter.cpu, "queries": meter.queries,
        "fortnox_busy": meter.busy_seconds("fortnox"),
        "fortnox_calls": len(meter.of("fortnox")), "centra_calls": len(meter.of("centra")),
        "fortnox_endpoints": dict(meter.by_endpoint("fortnox")), "centra_endpoints": dict(meter.by_endpoint("centra")),
        "fortnox_429": meter.answered_429("fortnox"), "centra_429": meter.answered_429("centra"),
        "fortnox_peak_5s": meter.peak_window("fortnox"), "rss_kb": bench.peak_rss_kb(),
        "centra_peak_points_10s": meter.peak_complexity(),
        "sql_shapes": dict(meter.shapes.most_common(12)),
    }


def share_of_ceiling(f: dict, *, whole_run: bool = False) -> float:
    """Fortnox requests per second over the 5 per second of its ceiling (25 per 5 s), i.e. invoices
    per 5 s over 25 / (calls per invoice). Sustained: while the run had requests at Fortnox, from
    its first request to its last answer; `whole_run` adds the run's start (reading Centra before
    the first push) and its end (saving the last outcomes)."""
    seconds = f["wall"] if whole_run else f["fortnox_busy"]
    return f["fortnox_calls"] / seconds / (bench.FORTNOX_LIMIT / bench.FORTNOX_WINDOW) if seconds else 0.0


class Command(BaseCommand):
    help = "Measure the orders flow at Fortnox's ceiling and without limits; the last line sums it up."
    requires_system_checks = []  # figures, not a deployment: `check` is what vets the settings

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=int(os.environ.get("N") or 200), help="shipments (default 200)")
        parser.add_argument("--latency-ms", type=int, default=300, help="Fortnox's answer time in the ceiling run")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--parts", default="ceiling,overhead",
                            help="which parts to measure (default ceiling,overhead; the summary line needs both)")
        parser.add_argument("--part", choices=["ceiling", "overhead"], help="(internal) measure one part")
        parser.add_argument("--slug", help="(internal) the shop to measure")
        parser.add_argument("--site-url", help="(internal) the sandbox server")

    def handle(self, *args, n, latency_ms, seed, parts, part, slug, site_url, **options):
        if part:
            return self.measure(part, slug, n, seed)
        seed = seed or random.randrange(1, 2**31)
        if not os.environ.get("DATABASE_URL"):
            work = Path(tempfile.mkdtemp(prefix="junipeer-bench-"))
            env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}"}
            code = subprocess.call([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench",
                                    "--n", str(n), "--latency-ms", str(latency_ms), "--seed", str(seed),
                                    "--parts", parts], env=env)
            shutil.rmtree(work, ignore_errors=True)
            sys.exit(code)
        call_command("migrate", interactive=False, verbosity=0)
        log_dir = Path(tempfile.mkdtemp(prefix="junipeer-bench-logs-"))
        env = {**os.environ, "DEBUG": "false"}  # as in production: Django keeps no log of every query
        limiter = "Redis" if settings.REDIS_URL else "database"
        self.say(f"bench: N={n}, Fortnox answers in {latency_ms} ms, database {connection.vendor}, "
                 f"{limiter} rate limiter, seed {seed}")
        with Harness(env=env, log_dir=log_dir, port=free_port(), rng=random.Random(seed)) as harness:
            harness.start_server()
            self.site_url = harness.site_url
            self.env = env
            ceiling = small = large = None
            if "ceiling" in parts:
                bench.set_fortnox_latency(latency_ms)
                ceiling = self.part("ceiling", n, seed, limited=True)
                self.report_ceiling(ceiling, latency_ms)
            if "overhead" in parts:
                bench.set_fortnox_latency(0)
                small = self.part("overhead", n, seed + 1, limited=False)
                large = self.part("overhead", 10 * n, seed + 2, limited=False)
                self.report_overhead(small, large)
        shutil.rmtree(log_dir, ignore_errors=True)
        if ceiling and small:
            self.summary(ceiling, small, large)

    def part(self, part: str, n: int, seed: int, *, limited: bool) -> dict:
        world = bench.build_shop(self.site_url, shipments=n, customers=max(5, n // 20), seed=seed, limited=limited)
        args = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "bench", "--part", part,
                "--slug", world.slug, "--n", str(n), "--seed", str(seed), "--site-url", self.site_url]
        output = subprocess.run(args, env=self.env, capture_output=True, text=True, check=False)
        lines = [line for line in output.stdout.splitlines() if line.startswith(RESULT)]
        if output.returncode or not lines:
            raise RuntimeError(f"the {part} run failed:\n{output.stdout[-3000:]}\n{output.stderr[-3000:]}")
        return json.loads(lines[-1][len(RESULT):])

    def measure(self, part: str, slug: str, n: int, seed: int) -> None:
        """In the child: run the flow over the shop and print the figures as one JSON line."""
        from integrations.models import Integration

        integration = Integration.objects.get(slug=slug)
        meter = bench.Meter()
        run_until_done(integration, n, meter)
        result = {"cold": figures(meter, invoiced(integration))}
        if part == "ceiling":
            bench.place_orders(bench.reload_shop(slug, seed), n)
            run_until_done(integration, 2 * n, meter)
            result["steady"] = figures(meter, invoiced(integration) - result["cold"]["invoices"])
        self.stdout.write(RESULT + json.dumps(result))

    # --- the report ---------------------------------------------------------------------------

    @property
    def centra_budget(self) -> int:
        from integrations.connectors.centra.client import CentraClient

        return CentraClient.plan_complexity_limit("growth").requests

    def report_ceiling(self, ceiling: dict, latency_ms: int) -> None:
        limit, window = bench.FORTNOX_LIMIT, bench.FORTNOX_WINDOW
        self.say(f"\n== ceiling run: Fortnox limit {limit}/{window:g} s per tenant, {latency_ms} ms per answer ==")
        for name in ("cold", "steady"):
            f = ceiling[name]
            calls = f["fortnox_calls"] / max(1, f["invoices"])
            per_5s = f["invoices"] / f["wall"] * window
            self.say(f"{name:>6}: {f['invoices']} invoices in {f['wall']:.1f} s = {per_5s:.2f} per 5 s, "
                     f"{calls:.3f} Fortnox calls per invoice: {100 * share_of_ceiling(f):.1f} % of the ceiling "
                     f"({limit / calls:.2f} invoices per 5 s) sustained from the first Fortnox request to the "
                     f"last answer ({f['fortnox_busy']:.1f} s); {100 * share_of_ceiling(f, whole_run=True):.1f} % "
                     f"over the whole run, whose other {f['wall'] - f['fortnox_busy']:.1f} s read Centra "
                     f"before the first push and closed the run")
            self.say(f"        most Fortnox requests in any 5 s: {f['fortnox_peak_5s']}; "
                     f"429s from Fortnox {f['fortnox_429']}, from Centra {f['centra_429']}; "
                     f"most Centra complexity points in any 10 s: {f['centra_peak_points_10s']} "
                     f"(our budget {self.centra_budget})")
            self.say(f"        Fortnox calls: {self.endpoints(f['fortnox_endpoints'])}")

    def report_overhead(self, small: dict, large: dict) -> None:
        self.say("\n== overhead run: limits off, no latency ==")
        for f in (small, large):
            c = f["cold"]
            invoices = max(1, c["invoices"])
            self.say(f"{c['invoices']:>6} invoices: {c['invoices'] / c['wall']:.1f}/s, "
                     f"CPU {1000 * c['cpu'] / invoices:.1f} ms, {c['queries'] / invoices:.1f} SQL statements, "
                     f"{(c['fortnox_calls'] + c['centra_calls']) / invoices:.3f} HTTP calls per invoice, "
                     f"peak RSS {c['rss_kb'] / 1024:.0f} MB")
            self.say(f"        Fortnox: {self.endpoints(c['fortnox_endpoints'], invoices)}")
            self.say(f"        Centra:  {self.endpoints(c['centra_endpoints'], invoices)}")
            if f is small:
                self.say("        SQL statements per invoice, by shape:")
                for shape, count in c["sql_shapes"].items():
                    self.say(f"          {count / invoices:6.2f}  {shape}")
        rss_ratio = large["cold"]["rss_kb"] / small["cold"]["rss_kb"]
        self.say(f"peak RSS at 10 x N / at N: {rss_ratio:.2f}")

    def summary(self, ceiling: dict, small: dict, large: dict) -> None:
        rss_ratio = large["cold"]["rss_kb"] / small["cold"]["rss_kb"]
        steady, cold = ceiling["steady"], small["cold"]
        calls = steady["fortnox_calls"] / max(1, steady["invoices"])
        share = share_of_ceiling(steady)
        http429 = sum(ceiling[name][f"{system}_429"] for name in ("cold", "steady") for system in ("fortnox", "centra"))
        invoices = max(1, cold["invoices"])
        self.say(f"ceiling_pct={100 * share:.1f} http429={http429} calls_per_invoice={calls:.2f} "
                 f"queries_per_invoice={cold['queries'] / invoices:.1f} "
                 f"cpu_ms_per_invoice={1000 * cold['cpu'] / invoices:.1f} rss_ratio={rss_ratio:.2f}")

    @staticmethod
    def endpoints(counts: dict, per: int = 0) -> str:
        items = sorted(counts.items(), key=lambda item: -item[1])
        if per:
            return ", ".join(f"{name} {count / per:.3f}" for name, count in items) or "none"
        return ", ".join(f"{name} {count}" for name, count in items) or "none"

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
