"""The fault-injection suite: `manage.py chaos [--short]` (`make chaos`). See the `chaos` package.

Without DATABASE_URL in the environment it runs itself again in a fresh temporary SQLite file
database (settings are read once per process, so a new database needs a new process), and
removes that directory afterwards unless the run failed. The last line printed is always
`expected=N created=N duplicates=N missing=N`; the exit status is 0 only when the check passed.
"""

import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import fields, replace
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from chaos.erps import ERPS
from chaos.harness import free_port
from chaos.scenario import Options, Scenario

HELP = {
    "orders": "orders to place over the run (full: 200)",
    "workers": "worker processes (qcluster, one worker each) on the one connection",
    "kills": "times a random worker is SIGKILLed mid-run and replaced",
    "rate_429": "share of sandbox requests answered 429",
    "rate_5xx": "share answered 503",
    "rate_timeout": "share that hang --timeout-seconds and then answer 504",
    "rate_lost": "share of writes that commit but whose answer is lost",
    "timeout_seconds": "how long an injected timeout hangs",
    "client_timeouts": "Fortnox requests that hang past the engine's read timeout",
    "token_expiries": "times every Fortnox access token is expired server-side mid-run (a 401 mid-run)",
    "webhooks": "webhook events in the flood for the one shop (plus redeliveries)",
    "customers": "Centra customers to start with (two more arrive with every wave)",
    "drive_seconds": "how long orders keep arriving and faults stay on",
    "drain_seconds": "how long to wait, faults off, for every shipment to be invoiced",
    "access_token_ttl": "Fortnox access-token life in seconds (the engine refreshes 60 s before)",
    "stale_seconds": "RUN_STALE_SECONDS for the workers: a killed worker's run is resumed after it",
    "claim_lease_seconds": "CLAIM_LEASE_SECONDS for the workers: a killed worker's pushes are taken over after it",
    "tick_seconds": "how often django-q2's schedule runs run_due_flows, the only source of runs besides webhooks",
    "seed": "random seed (printed; pass it to repeat a run's choices)",
    "port": "port for the sandbox server (default: a free one)",
    "erp": "the ERP: fortnox or business_central (default: $ERP, else fortnox)",
}


class Command(BaseCommand):
    help = "Fault-injection run against the sandbox; exits non-zero unless 0 duplicates and 0 missing."

    def add_arguments(self, parser):
        parser.add_argument("--short", action="store_true", help="the ~60 s version run by `make test`")
        for f in fields(Options):
            parser.add_argument(f"--{f.name.replace('_', '-')}", dest=f.name, type=type(f.default), default=None,
                                help=f"{HELP[f.name]} (default {f.default}; --short changes some)")

    def handle(self, *args, short, **given):
        overrides = {f.name: given[f.name] for f in fields(Options) if given.get(f.name) is not None}
        options = Options.short(**overrides) if short else Options(**overrides)
        erp = options.erp or os.environ.get("ERP") or "fortnox"
        if erp not in ERPS:
            self.stderr.write(f"ERP must be one of {', '.join(ERPS)}, not {erp!r}")
            sys.exit(2)
        options = replace(options, erp=erp)
        if not options.seed:
            options = replace(options, seed=secrets.randbelow(2**31 - 1) + 1)
        if not os.environ.get("DATABASE_URL"):
            sys.exit(self.in_private_database(options))
        sys.exit(self.run(options))

    def in_private_database(self, options: Options) -> int:
        """Run the command again in a new process on a new SQLite file; keep it only on failure."""
        work = Path(tempfile.mkdtemp(prefix="junipeer-chaos-"))
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'chaos.sqlite3'}", "CHAOS_WORK_DIR": str(work)}
        child = subprocess.Popen([sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "chaos",
                                  *options.as_args()], env=env)
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: child.terminate())  # it stops its own
        try:
            code = child.wait()
        finally:
            if child.poll() is None:  # interrupted (Ctrl-C): let the child stop its processes first
                child.terminate()
                child.wait()
            signal.signal(signal.SIGTERM, previous)
        if code == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            self.stderr.write(f"chaos: database and logs kept in {work}")
        return code

    def run(self, options: Options) -> int:
        """Run in the configured database. Logs go to the private work directory, or to a new
        temporary one that is removed after a passing run."""
        private = os.environ.get("CHAOS_WORK_DIR")
        log_dir = Path(private) / "logs" if private else Path(tempfile.mkdtemp(prefix="junipeer-chaos-logs-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        logging.getLogger("django-q").setLevel(logging.WARNING)  # not a line per task we enqueue
        self.say(f"chaos: {' '.join(options.as_args())}")
        scenario = Scenario(options, log_dir=log_dir, port=options.port or free_port(), say=self.say)
        report = scenario.run()
        for line in report.lines():
            self.say(line)
        passed = report.comparison.passed
        if passed and not private:
            shutil.rmtree(log_dir, ignore_errors=True)
        elif not passed and not private:
            self.stderr.write(f"chaos: worker and server logs kept in {log_dir}")
        return 0 if passed else 1

    def say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
