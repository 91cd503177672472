"""The timeline of a chaos run.

1. Build the world, start the sandbox server and the workers, turn the fault knobs up, and hand
   the flows to the scheduler: django-q2's schedule of `run_due_flows` on a short tick. The
   harness never queues a run itself; runs come from that tick and from the webhook flood.
2. Drive: orders and shipments arrive in waves (two flows on one Fortnox connection, so both
   workers are busy); workers are SIGKILLed mid-run and replaced, and nothing but the scheduler
   picks up the runs they leave behind; access tokens are expired server-side; the webhook
   endpoint is flooded.
3. Drain: faults off; wait until every shipment is linked or time is up.
4. Stop every process, then check the Fortnox tenant document by document (`check`).
"""

import functools
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from random import Random

import requests
from django.utils import timezone

from integrations.flows.orders import OrdersFlow
from integrations.models import RecordLink, SyncRun
from sandbox.centra.models import Shipment

from . import world as data
from .check import Report, client_retries, compare
from .harness import Harness
from .webhooks import PER_CALL, Flood, endpoint_missing

TICK_SECONDS = 1.0
KILL_PATIENCE_SECONDS = 20.0  # how long a due kill waits for a run to be going
DRAIN_PATIENCE_SECONDS = 90.0  # no new invoice for this long with faults off: stuck, stop waiting
STALL_SECONDS = 35.0  # longer than the engine's 30 s read timeout: the client itself gives up
FAULT_OFF = {"rate_429": 0, "rate_5xx": 0, "rate_timeout": 0, "rate_lost_response": 0, "latency_ms": 0,
             "next_429": 0, "next_5xx": 0, "next_timeout": 0, "next_lost_response": 0}


@dataclass(frozen=True)
class Options:
    orders: int = 200
    workers: int = 2
    kills: int = 3
    rate_429: float = 0.1
    rate_5xx: float = 0.05
    rate_timeout: float = 0.02
    rate_lost: float = 0.05
    timeout_seconds: float = 5.0  # how long an injected timeout hangs before the server answers 504
    client_timeouts: int = 1  # hangs longer than the client's read timeout, one at a time
    token_expiries: int = 2  # times every Fortnox access token is expired server-side mid-run
    webhooks: int = 2000
    customers: int = 40
    drive_seconds: float = 120.0
    drain_seconds: float = 420.0
    access_token_ttl: int = 90
    stale_seconds: int = 20
    claim_lease_seconds: int = 75  # longer than any single push under these faults (worst: a 30 s timeout)
    tick_seconds: int = 2  # run_due_flows' schedule: every minute in production
    seed: int = 0
    port: int = 0
    erp: str = ""  # fortnox or business_central; empty: $ERP, else fortnox

    @classmethod
    def short(cls, **overrides) -> "Options":
        """About a minute: fewer orders, one kill, a smaller flood, no 30 s client timeout. The drain
        may last as long as a claim lease of the killed run plus the timeline's latest kill (its
        patience after half the drive) and a minute to pick up and push what the claims held; it
        ends as soon as every shipment is linked."""
        options = replace(cls(orders=30, kills=1, webhooks=500, customers=12, client_timeouts=0, drive_seconds=25,
                              access_token_ttl=75), **overrides)
        latest_kill = options.drive_seconds / 2 + KILL_PATIENCE_SECONDS
        drain = options.claim_lease_seconds + latest_kill - options.drive_seconds + 60
        return options if "drain_seconds" in overrides else replace(options, drain_seconds=drain)

    def as_args(self) -> list[str]:
        """The command line that gives these options (to re-run in a private database)."""
        return [arg for f in fields(self) for arg in (f"--{f.name.replace('_', '-')}", str(getattr(self, f.name)))]


def set_faults(site_url: str, system: str, **knobs) -> dict:
    """Turn a simulator's fault knobs over HTTP, as any outside tool would; returns the profile."""
    response = requests.put(f"{site_url}/sandbox/faults/{system}", json=knobs, timeout=10)
    response.raise_for_status()
    return response.json()


def get_faults(site_url: str, system: str) -> dict:
    response = requests.get(f"{site_url}/sandbox/faults/{system}", timeout=10)
    response.raise_for_status()
    return response.json()


@dataclass
class Step:
    """Something the timeline does at `at` seconds into the drive; `act(late)` is True once done."""

    at: float
    act: Callable[[float], bool]


class ClientTimeout:
    """The next ERP request hangs past the engine's read timeout, so the client gives up by
    itself (not the server with a 504). The hang is put back to normal once it has been used."""

    def __init__(self, scenario: "Scenario", site_url: str):
        self.scenario = scenario
        self.site_url = site_url
        self.armed = False

    def __call__(self, late: float) -> bool:
        erp = self.scenario.world.erp
        if not self.armed:
            set_faults(self.site_url, erp.system, timeout_seconds=STALL_SECONDS, next_timeout=1)
            self.armed = True
            self.scenario.note(f"next {erp.label} request hangs {STALL_SECONDS:g} s (past the client's read timeout)")
            return False
        if get_faults(self.site_url, erp.system)["next_timeout"]:
            return False
        set_faults(self.site_url, erp.system, timeout_seconds=self.scenario.options.timeout_seconds)
        return True


class Scenario:
    def __init__(self, options: Options, *, log_dir: Path, port: int, say: Callable[[str], None]):
        self.options = options
        self.log_dir = log_dir
        self.port = port
        self.say = say
        self.rng = Random(options.seed)
        self.started = time.monotonic()
        self.kills = 0
        self.kills_mid_run = 0
        self.last_kill_at = None  # runs that started before it may be orphans of a killed worker
        self.expiries_done = 0
        self.problems: list[str] = []

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def note(self, text: str) -> None:
        self.say(f"[{self.elapsed():6.1f}s] {text}")

    # --- the run -------------------------------------------------------------------------------

    def run(self) -> Report:
        o = self.options
        env = {**os.environ, "Q_WORKERS": "1", "RUN_STALE_SECONDS": str(o.stale_seconds),
               "CLAIM_LEASE_SECONDS": str(o.claim_lease_seconds), "LOG_LEVEL": "INFO",
               "PYTHONUNBUFFERED": "1"}
        with Harness(env=env, log_dir=self.log_dir, port=self.port, rng=self.rng) as harness:
            site_url = harness.site_url
            env["SITE_URL"] = site_url
            self.world = data.build(site_url, self.rng, access_token_ttl=o.access_token_ttl, customers=o.customers,
                                    erp=o.erp or "fortnox")
            erp = self.world.erp
            self.note(f"world {self.world.slug}: Centra store, {erp.label} company, orders + customers flows "
                      f"(seed {o.seed}, logs in {self.log_dir})")
            harness.start_server()
            for system in ("centra", erp.system):
                set_faults(site_url, system, rate_429=o.rate_429, rate_5xx=o.rate_5xx, rate_timeout=o.rate_timeout,
                           rate_lost_response=o.rate_lost, timeout_seconds=o.timeout_seconds)
            self.note(f"sandbox on {site_url}; faults on: 429 {o.rate_429}, 5xx {o.rate_5xx}, "
                      f"timeout {o.rate_timeout} ({o.timeout_seconds:g} s), lost response {o.rate_lost}")
            for _ in range(o.workers):
                harness.start_worker()
            harness.start_scheduler(o.tick_seconds)
            self.note(f"{o.workers} workers; the scheduler runs due flows every {o.tick_seconds} s "
                      f"(runs stale after {o.stale_seconds} s are taken over)")
            flood = self.drive(harness)
            set_faults(site_url, "centra", **FAULT_OFF)
            set_faults(site_url, erp.system, **FAULT_OFF)
            self.note("faults off; draining")
            self.drain(harness)
            harness.stop()
            logs = harness.worker_logs()
        self.note(f"all processes stopped; checking {erp.label} document by document")
        return Report(
            comparison=compare(self.world, site_url), world=self.world, kills=self.kills,
            kills_mid_run=self.kills_mid_run, token_expiries=self.expiries_done,
            webhooks=flood.summary() if isinstance(flood, Flood) else flood,
            client_retries=client_retries(logs), wall_seconds=self.elapsed(), problems=self.problems,
            stale_seconds=o.stale_seconds, tick_seconds=o.tick_seconds,
        )

    # --- drive ---------------------------------------------------------------------------------

    def drive(self, harness: Harness) -> Flood | str:
        """Play the timeline's steps as they fall due, with webhooks sent meanwhile."""
        o = self.options
        flood = self.flood(harness)
        calls_per_tick = math.ceil(o.webhooks / PER_CALL / max(1.0, o.drive_seconds * 0.8 / TICK_SECONDS))
        steps = self.timeline(harness)
        drive_start = self.elapsed()
        while True:
            now = self.elapsed() - drive_start
            harness.check_workers()
            for step in [step for step in steps if now >= step.at]:
                if step.act(now - step.at):
                    steps.remove(step)
            if isinstance(flood, Flood):
                flood.tick(self.shipment_ids(), calls_per_tick)
                if flood.refused and not flood.stored_new:
                    self.problems.append(f"webhook endpoint refused the flood: {flood.refused}")
                    self.note(f"webhook flood stopped: {self.problems[-1]}")
                    flood = f"REFUSED: {flood.summary()}"
            if not steps and now >= o.drive_seconds and (not isinstance(flood, Flood) or flood.done):
                break
            time.sleep(TICK_SECONDS)
        shipped = data.ship_rest(self.world)
        if shipped:
            self.note(f"last {shipped} split orders shipped in full")
        if isinstance(flood, Flood):
            self.note(f"webhooks: {flood.summary()}")
            if flood.stored_new != flood.sent_events:
                self.problems.append(f"the webhook endpoint stored {flood.stored_new} events as new; "
                                     f"{flood.sent_events} distinct events were sent (redeliveries add none)")
        return flood

    def timeline(self, harness: Harness) -> list["Step"]:
        """Waves of orders every ~10 s; kills, token expiries and client timeouts spread between."""
        o = self.options
        waves = max(1, int(o.drive_seconds // 10))
        sizes = [o.orders // waves + (1 if i < o.orders % waves else 0) for i in range(waves)]
        steps = [Step(o.drive_seconds * i / waves, functools.partial(self.wave, i + 1, waves, size))
                 for i, size in enumerate(sizes)]
        steps += [Step(o.drive_seconds * (k + 1) / (o.kills + 1), functools.partial(self.try_kill, harness))
                  for k in range(o.kills)]
        steps += [Step(o.drive_seconds * (k + 0.6) / (o.token_expiries + 0.5), self.expire_tokens)
                  for k in range(o.token_expiries)]
        steps += [Step(o.drive_seconds * (k + 1) / (o.client_timeouts + 1), ClientTimeout(self, harness.site_url))
                  for k in range(o.client_timeouts)]
        return sorted(steps, key=lambda step: step.at)

    def flood(self, harness: Harness) -> Flood | str:
        missing = endpoint_missing(self.world.slug)
        if missing:
            self.note(f"webhook flood skipped: {missing}")
            return f"NOT SENT: {missing}"
        return Flood(harness.site_url, self.world.slug, self.world.webhook_secret, self.options.webhooks, self.rng)

    # --- the steps (each returns True when done, False to be tried again next tick) -------------

    def wave(self, number: int, waves: int, orders: int, late: float) -> bool:
        """New orders, their shipments, the rest of the last wave's split orders, two new buyers."""
        shipped = data.ship_rest(self.world)
        data.add_customers(self.world, 2)
        shipped += data.place_orders(self.world, orders)
        self.note(f"wave {number}/{waves}: {orders} orders, {shipped} shipments")
        return True

    def expire_tokens(self, late: float) -> bool:
        expired = self.world.erp.expire_tokens()
        self.expiries_done += 1
        self.note(f"expired {expired} {self.world.erp.label} access tokens server-side")
        return True

    def live_runs(self) -> int:
        """Runs going now that no killed worker left behind (those started before the last kill)."""
        runs = SyncRun.objects.filter(flow__integration=self.world.integration, status=SyncRun.Status.RUNNING)
        if self.last_kill_at is not None:
            runs = runs.filter(started_at__gt=self.last_kill_at)
        return runs.count()

    def try_kill(self, harness: Harness, late: float) -> bool:
        """Kill a random worker when every worker is in a run (so the victim is mid-run), or
        when at least one is and the kill is getting late, or anyway when it is very late."""
        live = self.live_runs()
        if live >= len(harness.workers) or (live and late > KILL_PATIENCE_SECONDS / 2) or (
                late > KILL_PATIENCE_SECONDS):
            victim = harness.kill_random_worker()
            self.last_kill_at = timezone.now()
            self.kills += 1
            mid_run = live >= len(harness.workers)
            self.kills_mid_run += mid_run
            self.note(f"SIGKILLed {victim.name} ({live} run(s) going{', so mid-run' if mid_run else ''}); "
                      f"started worker {harness.started}")
            return True
        return False

    def shipment_ids(self) -> list[int]:
        return list(Shipment.objects.filter(order__store=self.world.store).values_list("pk", flat=True))

    # --- drain ---------------------------------------------------------------------------------

    def drain(self, harness: Harness) -> None:
        """Wait, while the scheduler runs the flows, until every shipment is linked, time is up, or
        nothing moves any more."""
        expected = [str(pk) for pk in self.shipment_ids()]
        deadline = self.elapsed() + self.options.drain_seconds
        last_report = last_progress = self.elapsed()
        linked_before = -1
        while True:
            harness.check_workers()
            linked = RecordLink.objects.filter(
                integration=self.world.integration, object_type=OrdersFlow.object_type, source_id__in=expected,
            ).exclude(target_id="").count()
            if linked >= len(expected):
                self.note(f"all {len(expected)} shipments linked to an invoice")
                return
            if linked != linked_before:
                linked_before, last_progress = linked, self.elapsed()
            stuck = self.elapsed() - last_progress > DRAIN_PATIENCE_SECONDS
            if self.elapsed() > deadline or stuck:
                why = f"no new invoice for {DRAIN_PATIENCE_SECONDS:.0f} s" if stuck else "drain deadline passed"
                self.problems.append(f"{why} with {linked} of {len(expected)} shipments linked")
                self.note(self.problems[-1])
                return
            if self.elapsed() - last_report >= 15:
                self.note(f"{linked} of {len(expected)} shipments linked")
                last_report = self.elapsed()
            time.sleep(TICK_SECONDS)

