"""A run keeps the ERP's window filling: the next batch is pushed while the last records of this
one finish; a backlog alone on the queue is pushed on, while another flow's waiting run gets the
worker after the batch in hand; and a run that stops keeps what its batches did without moving
the cursor past a batch it had not finished."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import Schedule, Task

from integrations import queue
from integrations.connectors.ratelimit import shared_limiter
from integrations.domain.errors import SyncError
from integrations.flows.orders import OrdersFlow
from integrations.flows.pipeline import PushPool
from integrations.flows.runner import run_flow
from integrations.models import Flow, RecordLink, SyncRecord
from integrations.tasks import run_flow_task
from integrations.webhooks import pending_run_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def six_shipments(world, settings):
    settings.FLOW_PUSH_CONCURRENCY = 4
    flow = world.flow
    flow.batch_size = 3
    flow.save(update_fields=["batch_size"])
    return [world.ship(world.order(("COAT", 1, "1500"), email=f"buyer{n}@example.com")) for n in range(6)]


def invoiced_shipments(world) -> list[str]:
    return sorted(link.source_id for link in RecordLink.objects.filter(
        integration=world.integration, object_type="invoice").exclude(target_id=""))


def watch_pushes(monkeypatch, slow: set[str] = frozenset(), refuse: set[str] = frozenset()):
    """When each shipment's push started and ended; `slow` ones take half a second, `refuse` ones
    meet Fortnox's refusal of our access."""
    times: dict[str, list[float]] = {}
    lock = threading.Lock()
    process = OrdersFlow.process

    def watched(self, record):
        with lock:
            times[record.source_id] = [time.monotonic()]
        try:
            if record.source_id in refuse:
                raise SyncError("auth_expired", "Fortnox refused our access token.")
            if record.source_id in slow:
                time.sleep(0.5)
            return process(self, record)
        finally:
            with lock:
                times[record.source_id].append(time.monotonic())

    monkeypatch.setattr(OrdersFlow, "process", watched)
    return times


def test_the_next_batch_is_pushed_while_this_ones_slowest_record_is_still_on_its_way(world, six_shipments, monkeypatch):
    first_batch, second_batch = six_shipments[:3], six_shipments[3:]
    slowest = str(first_batch[-1].pk)
    times = watch_pushes(monkeypatch, slow={slowest})

    run = run_flow(world.flow)

    assert (run.status, run.created) == ("succeeded", 6)
    assert invoiced_shipments(world) == sorted(str(s.pk) for s in six_shipments)
    slow_end = times[slowest][1]
    assert any(times[str(s.pk)][0] < slow_end for s in second_batch)  # they did not wait for it
    assert SyncRecord.objects.filter(run=run, status="created").count() == 6
    world.flow.refresh_from_db()
    assert run_flow(world.flow).created == 0  # the cursor passed both batches: nothing is pushed twice


def test_a_backlog_alone_on_the_queue_is_pushed_on_past_its_slice(world, six_shipments):
    queue.enqueue_flow(world.flow)  # its own next run waiting hands nothing over
    get_broker().purge_queue()

    run = run_flow(world.flow)

    assert (run.handed_over, run.created) == (False, 6)


def test_with_another_flows_run_waiting_a_run_hands_over_after_the_batch_in_hand(world, six_shipments):
    shipments = six_shipments + [world.ship(world.order(("SCARF", 1, "149"))) for _ in range(3)]
    other = Flow.objects.create(integration=world.integration, kind=Flow.Kind.CUSTOMERS)
    queue.mark_queued([other.pk])

    run = run_flow(world.flow)

    assert run.handed_over is True
    assert run.created == 3  # the batch in hand, and not one more: the other run waits for no backlog
    queue.taken_from_queue(other.pk)  # the other run got the worker
    world.flow.refresh_from_db()
    assert run_flow(world.flow).created == 6  # the rest, by the run queued behind the other one
    assert invoiced_shipments(world) == sorted(str(s.pk) for s in shipments)


def test_a_run_hands_over_at_its_longest_even_with_nothing_else_waiting(world, six_shipments, settings):
    settings.RUN_MAX_SECONDS = 0

    assert run_flow(world.flow).handed_over is True


def test_a_refusal_in_one_batch_keeps_what_both_batches_did_and_resumes_before_the_unfinished_one(
        world, six_shipments, monkeypatch):
    refused = str(six_shipments[2].pk)  # the first batch's last record
    watch_pushes(monkeypatch, refuse={refused})
    cursor_before = dict(world.flow.cursor)

    run = run_flow(world.flow)

    assert (run.status, run.error_code) == ("failed", "auth_expired")
    done = set(SyncRecord.objects.filter(run=run, status="created").values_list("source_id", flat=True))
    assert done == set(invoiced_shipments(world))  # every invoice made is in the sync log
    assert refused not in done
    world.flow.refresh_from_db()
    assert world.flow.cursor == cursor_before  # the first batch was not finished: no cursor moved

    monkeypatch.undo()  # access restored
    again = run_flow(world.flow)
    assert again.created == 6 - len(done)
    assert invoiced_shipments(world) == sorted(str(s.pk) for s in six_shipments)


def test_a_queued_run_waits_until_a_worker_takes_it_or_its_task_is_long_lost(world, settings):
    other = Flow.objects.create(integration=world.integration, kind=Flow.Kind.CUSTOMERS)
    assert queue.runs_waiting(besides=world.flow) is False

    queue.enqueue_flow(other)
    get_broker().purge_queue()  # the mark is what tells, not the broker (a cluster prefetches tasks)
    assert queue.runs_waiting(besides=world.flow) is True
    assert queue.runs_waiting(besides=other) is False  # a flow never waits for itself

    run_flow_task(other.pk)  # a worker took it
    assert queue.runs_waiting(besides=world.flow) is False

    queue.mark_queued([other.pk])
    lost = timezone.now() - timedelta(seconds=settings.Q_CLUSTER["retry"] + 1)
    Flow.objects.filter(pk=other.pk).update(queued_at=lost)  # queued before any task could still wait
    assert queue.runs_waiting(besides=world.flow) is False


def pending_tick(task_id: str, *, next_run) -> None:
    Schedule.objects.filter(name=queue.DUE_FLOWS_SCHEDULE).update(task=task_id, next_run=next_run)


def test_the_schedulers_tick_waits_until_it_has_run_while_the_scheduler_is_alive(world):
    pending_tick("a" * 32, next_run=timezone.now() + timedelta(seconds=50))
    assert queue.due_flows_tick_waiting() is True

    now = timezone.now()
    Task.objects.create(id="a" * 32, name="tick", func="integrations.tasks.run_due_flows", started=now,
                        stopped=now, success=True)
    assert queue.due_flows_tick_waiting() is False  # it ran

    pending_tick("b" * 32, next_run=now - timedelta(minutes=2))
    assert queue.due_flows_tick_waiting() is False  # a scheduler stopped long ago queues nothing


def test_a_busy_run_does_the_waiting_ticks_work_and_hands_over_to_the_runs_it_queued(world, six_shipments,
                                                                                     monkeypatch):
    queued = []
    monkeypatch.setattr(queue, "async_task", lambda func, *args, **kwargs: queued.append(args))
    due = Flow.objects.create(integration=world.integration, kind=Flow.Kind.CUSTOMERS, enabled=True)
    pending_tick("c" * 32, next_run=timezone.now() + timedelta(seconds=50))

    run = run_flow(world.flow)

    assert (run.handed_over, run.created) == (True, 3)
    assert queued == [(due.pk, "schedule")]  # the tick's work, done by the busy run; not itself
    shared_limiter().reset(pending_run_key(due))


def test_a_waiting_tick_that_queues_nothing_else_hands_nothing_over(world, six_shipments):
    pending_tick("d" * 32, next_run=timezone.now() + timedelta(seconds=50))

    run = run_flow(world.flow)

    assert (run.handed_over, run.created) == (False, 6)  # the only due flow is this one, running


def test_an_events_queue_is_confirmed_batch_by_batch_before_its_next_batch_is_read(world, six_shipments):
    """Its next read returns the events not yet confirmed: a batch pushed ahead would be this one again."""
    source = world.integration.source
    source.settings = {**source.settings, "events": True}
    source.save()
    run_flow(world.flow)  # subscribes, then sweeps what existed before
    world.flow.refresh_from_db()
    later = [world.ship(world.order(("SCARF", 1, "149"), email=f"later{n}@example.com")) for n in range(7)]

    from_events = run_flow(world.flow)

    assert (from_events.status, from_events.created, from_events.failed) == ("succeeded", 7, 0)
    assert invoiced_shipments(world) == sorted(str(s.pk) for s in six_shipments + later)


class WorkerStopped(BaseException):
    """Not an Exception: what a thread may meet when its process is told to stop."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_batch_is_done_waiting_for_even_when_a_record_ends_in_a_base_exception():
    pool = PushPool(1)

    def push(item):
        if item == "stopped":
            raise WorkerStopped
        return item

    pushing = pool.submit(push, ["stopped"])
    waiter = threading.Thread(target=pushing.wait, daemon=True)
    waiter.start()
    waiter.join(timeout=5)

    assert not waiter.is_alive()  # the record was counted: the run does not wait forever
    assert pushing.results == []


def test_the_pages_a_run_reads_are_not_kept_on_the_reading_thread(world, six_shipments, monkeypatch):
    flow = world.flow
    flow.batch_size = 1  # a page per shipment
    flow.save(update_fields=["batch_size"])
    kept_when_read: list[int] = []
    batches = OrdersFlow.batches

    def watched(self, cursor):
        for batch in batches(self, cursor):  # on the read-ahead thread
            kept_when_read.append(sum(len(journal) for journal in self.context.journals()))
            yield batch

    monkeypatch.setattr(OrdersFlow, "batches", watched)

    assert run_flow(flow).created == 6

    assert len(kept_when_read) >= 6
    assert max(kept_when_read) == 1  # the page just read; the ones before it were let go
