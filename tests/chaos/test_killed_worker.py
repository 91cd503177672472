"""A worker SIGKILLed mid-run: the scheduler alone resumes its flow, with real worker processes.

The chaos harness starts the sandbox server and a django-q2 cluster on the test database (the
suite's own: SQLite with the ORM broker, or PostgreSQL with Redis under `make test-services`), so
the test reads the runs the worker writes. Nothing is queued by hand, not even the first run:
django-q2's schedule of `run_due_flows`, on a one-second tick, starts every run.
"""

import os
import time
from collections.abc import Callable
from random import Random
from urllib.parse import quote

import pytest
from django.db import connection

from chaos import world as data
from chaos.check import compare
from chaos.harness import Harness, free_port
from chaos.scenario import set_faults
from integrations.flows.orders import OrdersFlow
from integrations.models import Flow, RecordLink, SyncRun
from sandbox.centra.models import Shipment

STALE_SECONDS = 8
TICK_SECONDS = 1
LEASE_SECONDS = 6  # shorter than the stale window: the dead run's in-flight push is taken over at once
PICK_UP_SECONDS = 8  # the tick's task and then the run's go through the broker (the ORM broker polls each second)
LATENCY_MS = 150  # every Fortnox call: a run lasts long enough to be killed in the middle
ORDERS = 12
WAIT_SECONDS = 90


def database_url() -> str:
    """The test database, for the processes the harness starts."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        login = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        return f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    raise AssertionError(f"no URL for a {db['ENGINE']} test database")


def wait_for(harness: Harness, what: str, found: Callable[[], object]):
    """Poll until `found()` is truthy; a worker dying on its own or the time running out fails."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        harness.check_workers()
        result = found()
        if result:
            return result
        time.sleep(0.1)
    logs = "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in harness.worker_logs())
    pytest.fail(f"no {what} within {WAIT_SECONDS} s\n{logs}")


@pytest.mark.chaos
def test_flow_whose_worker_was_killed_mid_run_is_resumed_by_the_scheduler_alone(transactional_db, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url(), "Q_WORKERS": "2", "RUN_STALE_SECONDS": str(STALE_SECONDS),
           "CLAIM_LEASE_SECONDS": str(LEASE_SECONDS), "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    rng = Random(15)
    with Harness(env=env, log_dir=tmp_path, port=free_port(), rng=rng) as harness:
        world = data.build(harness.site_url, rng, access_token_ttl=3600, customers=6)
        world.integration.flows.exclude(kind=Flow.Kind.ORDERS).update(enabled=False)
        # An ordinary 5-minute schedule: the takeover must not wait for it. Batches of 2 checkpoint often.
        flow = world.flow(Flow.Kind.ORDERS)
        Flow.objects.filter(pk=flow.pk).update(schedule_minutes=5, batch_size=2)
        data.place_orders(world, ORDERS)
        data.ship_rest(world)
        shipments = [str(pk) for pk in Shipment.objects.filter(order__store=world.store).values_list("pk", flat=True)]
        harness.start_server()
        set_faults(harness.site_url, "fortnox", latency_ms=LATENCY_MS)
        harness.start_worker()
        harness.start_scheduler(TICK_SECONDS)

        def invoiced() -> int:
            return RecordLink.objects.filter(integration=world.integration, object_type=OrdersFlow.object_type,
                                             source_id__in=shipments).exclude(target_id="").count()

        def checkpointed() -> bool:
            return Flow.objects.get(pk=flow.pk).cursor != flow.cursor

        # Three invoices in and the first batch of two checkpointed (its cursor saved, which may come
        # after the next batch's first invoice): the run is well under way.
        dead = wait_for(harness, "run three invoices in", lambda: invoiced() >= 3 and checkpointed() and (
            SyncRun.objects.filter(flow=flow, status=SyncRun.Status.RUNNING).first()))
        harness.kill_random_worker()  # SIGKILL the whole cluster mid-run; a fresh one starts in its place
        invoiced_by_the_dead_run = invoiced()
        assert invoiced_by_the_dead_run < len(shipments), "the run finished before it could be killed"

        resumed = wait_for(harness, "run that took over and finished", lambda: SyncRun.objects.filter(
            flow=flow, started_at__gt=dead.started_at).exclude(status=SyncRun.Status.RUNNING).first())
        harness.check_workers()

    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.ABANDONED
    assert "stopped without finishing" in dead.error_message
    assert (resumed.status, resumed.trigger) == (SyncRun.Status.SUCCEEDED, SyncRun.Trigger.SCHEDULE)
    silence = (resumed.started_at - dead.heartbeat_at).total_seconds()
    assert STALE_SECONDS <= silence <= STALE_SECONDS + TICK_SECONDS + PICK_UP_SECONDS, silence
    # Resumed from the cursor: the checkpointed batch was not read again.
    assert resumed.created + resumed.updated + resumed.skipped + resumed.failed < len(shipments)
    assert set(SyncRun.objects.filter(flow=flow).values_list("trigger", flat=True)) == {SyncRun.Trigger.SCHEDULE}
    assert SyncRun.objects.filter(flow=flow).count() == 2  # one dead, one that took over: nothing doubled
    comparison = compare(world, harness.site_url)
    assert (comparison.expected, comparison.created) == (len(shipments), len(shipments))
    assert (comparison.duplicates, comparison.missing, comparison.wrong_totals) == ({}, [], [])
