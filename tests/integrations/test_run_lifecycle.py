"""A run taken for dead stops; its in-flight pushes are not raced by the run that resumes it; the
scheduler takes over a run whose worker stopped beating, never one that is alive."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import queue, tasks
from integrations.connectors.fortnox.invoices import InvoicesMixin
from integrations.connectors.ratelimit import shared_limiter
from integrations.domain.documents import PushResult
from integrations.domain.errors import SyncError
from integrations.flows.runner import run_flow
from integrations.links import ClaimedElsewhere, push_once
from integrations.models import Flow, RecordLink, SyncRecord, SyncRun
from integrations.webhooks import pending_run_key
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch):
    """The (flow id, trigger) of every run the scheduler queues; their pending-run slots are freed
    afterwards (in Redis they would outlive the test database)."""
    calls = []
    monkeypatch.setattr(queue, "async_task", lambda func, *args, **kwargs: calls.append(args))
    yield calls
    for flow_id in {flow_id for flow_id, _ in calls}:
        shared_limiter().reset(pending_run_key(Flow(pk=flow_id)))


@pytest.fixture
def shop_flow():
    """A live integration's orders flow, due every 5 minutes (nothing here talks HTTP)."""
    return factories.integration(factories.centra_connection(), factories.fortnox_connection()).flows.get()


def running_run(flow: Flow, *, started_ago: timedelta, beat_ago: timedelta) -> SyncRun:
    now = timezone.now()
    run = SyncRun.objects.create(flow=flow, trigger=SyncRun.Trigger.SCHEDULE)
    SyncRun.objects.filter(pk=run.pk).update(started_at=now - started_ago, heartbeat_at=now - beat_ago)
    return run


def test_scheduler_takes_over_a_flow_whose_running_run_stopped_beating(shop_flow, queued, settings):
    settings.RUN_STALE_SECONDS = 60
    # Started 2 minutes ago: by its 5-minute schedule the flow is not due, but its worker is gone.
    running_run(shop_flow, started_ago=timedelta(minutes=2), beat_ago=timedelta(seconds=61))

    assert tasks.run_due_flows() == 1
    assert queued == [(shop_flow.pk, SyncRun.Trigger.SCHEDULE)]


def test_scheduler_never_doubles_a_run_that_is_alive(shop_flow, queued, settings):
    settings.RUN_STALE_SECONDS = 60
    # Long past its schedule, but it beat 5 s ago: a slow run, not a dead one.
    running_run(shop_flow, started_ago=timedelta(hours=1), beat_ago=timedelta(seconds=5))

    assert tasks.run_due_flows() == 0
    assert queued == []


def test_flow_waiting_in_the_queue_is_not_queued_again_until_its_task_counts_as_lost(shop_flow, queued, settings):
    settings.RUN_STALE_SECONDS = 1

    assert tasks.run_due_flows() == 1
    assert tasks.run_due_flows() == 0  # the task waits for a worker: no second copy on the next tick
    time.sleep(1.2)  # no run started within the stale window: the task went down with its worker
    assert tasks.run_due_flows() == 1
    assert queued == [(shop_flow.pk, SyncRun.Trigger.SCHEDULE)] * 2


def test_scheduler_alone_resumes_a_killed_run_from_its_cursor(world, queued, settings):
    settings.RUN_STALE_SECONDS = 60
    Flow.objects.filter(pk=world.flow.pk).update(batch_size=2)
    for index in range(7):
        world.ship(world.order(("SCARF", 1, "149"), email=f"buyer{index}@example.com"))

    class Killed(BaseException):
        pass

    seen = []

    def killed_at_the_third_record(outcome):
        seen.append(outcome)
        if len(seen) == 3:
            raise Killed

    assert tasks.run_due_flows() == 1
    with pytest.raises(Killed):  # the worker runs the queued task and dies mid-run
        run_flow(world.flow, SyncRun.Trigger.SCHEDULE, progress=killed_at_the_third_record)
    dead = SyncRun.objects.get()
    assert tasks.run_due_flows() == 0  # its heartbeat is fresh: it might still be working
    SyncRun.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))

    assert tasks.run_due_flows() == 1  # the run picked up its queued slot, so nothing holds this one back
    summary = tasks.run_flow_task(*queued[-1])

    dead.refresh_from_db()
    resumed = SyncRun.objects.exclude(pk=dead.pk).get()
    assert dead.status == SyncRun.Status.ABANDONED
    assert (resumed.status, resumed.trigger) == (SyncRun.Status.SUCCEEDED, SyncRun.Trigger.SCHEDULE)
    # Batch 1 was checkpointed and is not read again; batch 2 was pushed and logged, and batch 3 was
    # on its way, when the worker died before batch 2's checkpoint: both are read again and found
    # invoiced; batch 4 is new.
    assert resumed.created == 1
    assert summary.endswith("created=1 updated=0 skipped=4 failed=0")
    references = [invoice["ExternalInvoiceReference1"] for invoice in world.invoices()]
    assert len(references) == len(set(references)) == 7


def test_run_marked_abandoned_starts_no_further_batch(world):
    Flow.objects.filter(pk=world.flow.pk).update(batch_size=1)
    for index in range(4):
        world.ship(world.order(("SCARF", 1, "149"), email=f"b{index}@example.com"))

    def taken_for_dead(outcome):
        SyncRun.objects.filter(status="running").update(status="abandoned")

    run = run_flow(world.flow, progress=taken_for_dead)

    assert run.status == "abandoned"  # not overwritten when the run notices
    # It noticed as it began the third batch: the first was done, the second already on its way.
    assert len(world.invoices()) == 2
    resumed = run_flow(world.flow)
    assert resumed.created == 2
    assert len(world.invoices()) == 4


def test_a_run_that_stops_itself_when_taken_for_dead_lets_its_successor_take_its_claims_at_once(
        world, settings, monkeypatch):
    settings.CLAIM_LEASE_SECONDS = 600
    Flow.objects.filter(pk=world.flow.pk).update(batch_size=1)
    first, _ = (world.ship(world.order(("SCARF", 1, "149"), email=f"b{n}@example.com")) for n in range(2))
    create = InvoicesMixin.create_invoice
    answers_lost = []

    def answer_lost_once(erp, invoice, customer_number):
        if not answers_lost:
            answers_lost.append(1)
            raise SyncError("write_outcome_unknown", "Fortnox did not answer; the invoice may exist.")
        return create(erp, invoice, customer_number)

    monkeypatch.setattr(InvoicesMixin, "create_invoice", answer_lost_once)

    def taken_for_dead(outcome):
        SyncRun.objects.filter(status="running").update(status="abandoned")

    stopped = run_flow(world.flow, progress=taken_for_dead)

    assert stopped.status == "abandoned"
    assert RecordLink.objects.get(source_id=str(first.pk)).claimed_by_id == stopped.pk  # kept: searched first
    resumed = run_flow(world.flow)  # long before the 600 s lease is up
    assert resumed.failed == 0
    assert RecordLink.objects.get(source_id=str(first.pk)).target_id  # searched for, not found, pushed
    references = [invoice["ExternalInvoiceReference1"] for invoice in world.invoices()]
    assert len(references) == len(set(references)) == 2


def test_claim_of_a_run_that_may_be_alive_waits_for_its_lease(world, settings):
    settings.CLAIM_LEASE_SECONDS = 600
    flow = world.flow
    old = SyncRun.objects.create(flow=flow, trigger="schedule", status=SyncRun.Status.ABANDONED)
    new = SyncRun.objects.create(flow=flow, trigger="schedule")
    RecordLink.objects.create(integration=world.integration, object_type="invoice", source_id="42",
                              claimed_by=old, claimed_at=timezone.now())
    created = []

    def push():
        return push_once(integration=world.integration, run=new, object_type="invoice", source_id="42",
                         find=lambda: None, create=lambda: created.append(1) or PushResult("9", True))

    with pytest.raises(ClaimedElsewhere) as error:
        push()
    assert error.value.code == "in_progress_elsewhere"
    assert error.value.retryable

    RecordLink.objects.update(claimed_at=timezone.now() - timedelta(seconds=601))
    assert push().created
    assert created == [1]


def test_record_claimed_elsewhere_is_a_retryable_failure(world):
    shipment = world.ship(world.order(("COAT", 1, "1500")))
    busy = SyncRun.objects.create(flow=world.flow, trigger="schedule", status=SyncRun.Status.ABANDONED)
    RecordLink.objects.create(integration=world.integration, object_type="invoice", source_id=str(shipment.pk),
                              claimed_by=busy, claimed_at=timezone.now())

    run_flow(world.flow)

    record = SyncRecord.objects.get(source_id=str(shipment.pk))
    assert (record.status, record.error_code) == ("failed", "in_progress_elsewhere")
    assert record.next_retry_at is not None
    assert world.invoices() == []
