"""The runner: fetch changes -> map -> push -> link -> log, in batches with checkpoints.

One run per flow at a time (a partial unique index on running runs). Failed records of earlier
runs are retried first, with the latest mappings and settings. Then the flow's batches: each
record is isolated (bad input fails that record only), and the cursor is saved after every batch
so a killed run resumes from there. A run whose worker died is noticed by its stale heartbeat.
"""

import contextlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mappings.services import unmapped_required

from .. import partner_events, webhooks
from ..alerts import after_run
from ..connections import centra_client, check_connection, erp_for
from ..domain.errors import ACCESS_REFUSED, SyncError
from ..links import end_leases, prefetched
from ..models import Flow, SyncRecord, SyncRun
from ..queue import due_flows_tick_waiting, runs_waiting
from ..retries import after_failure, due_failures
from ..scheduling import run_due_flows
from .base import Batch, FlowContext, FlowKind, Outcome, SourceRecord
from .customers import CustomersFlow
from .kept_source import kept_source
from .orders import OrdersFlow
from .pipeline import Pushing, PushPool, ReadAhead
from .products import ProductsFlow
from .refunds import RefundsFlow
from .search_keys import search_keys
from .stock import StockFlow

logger = logging.getLogger(__name__)

FLOW_KINDS: dict[str, type[FlowKind]] = {
    OrdersFlow.kind: OrdersFlow, StockFlow.kind: StockFlow, ProductsFlow.kind: ProductsFlow,
    CustomersFlow.kind: CustomersFlow, RefundsFlow.kind: RefundsFlow,
}
CONCURRENT_KINDS = {OrdersFlow.kind, RefundsFlow.kind}  # kinds whose records are independent invoices
AUTH_CODES = ACCESS_REFUSED  # a refusal of our access stops the run: no record can pass it
MAX_KEPT_EXCHANGES = 6
Status = SyncRecord.Status


class RunInProgress(Exception):
    """Another run of the same flow is running."""


class RunAbandoned(Exception):
    """This run was taken for dead (its heartbeat looked stale) and another may have resumed its work."""


def beat_interval() -> float:
    """How often a busy run proves itself alive: a fifth of the patience before it is taken for dead."""
    return min(30.0, settings.RUN_STALE_SECONDS / 5)


def moves_on(batch: Batch, began: dict) -> bool:
    """Whether a run that stops after `batch` leaves its successor further on than it began: the
    batch's cursor moved, or it confirms what it read (an events queue). A sweep's lead (no
    cursor) and its overlap keep the cursor where it was: a run that handed over after them would
    hand its successor the same records, and that one the same again. (A run hands over only
    before a batch with records: the last, empty one of a sweep only saves where the next starts.)"""
    return (batch.cursor is not None and batch.cursor != began) or batch.on_done is not None


def open_run(flow: Flow, trigger: str) -> SyncRun:
    """Start a run, first abandoning one whose worker stopped beating (whatever the trigger)."""
    now = timezone.now()
    SyncRun.objects.stale(now).filter(flow=flow).update(
        status=SyncRun.Status.ABANDONED, finished_at=now, error_code="internal_error",
        error_message="The worker stopped without finishing this run; the next run resumed from its cursor.",
    )
    try:
        with transaction.atomic():
            return SyncRun.objects.create(flow=flow, trigger=trigger)
    except IntegrityError as exc:
        raise RunInProgress(f"{flow} is already running") from exc


def open_failures(flow: Flow) -> list[tuple[str, str]]:
    """(source id, parent) of failed records whose retry is due, oldest first."""
    rows = due_failures(flow).order_by("created_at").values_list("source_id", "source_parent")
    return list(dict.fromkeys(rows))


def build_context(flow: Flow, run: SyncRun, *, full: bool = False) -> FlowContext:
    integration = flow.integration
    return FlowContext(
        integration=integration, flow=flow, run=run, full=full,
        clients={"source": centra_client(integration.source), "target": erp_for(integration.target)},
    )


class BatchPush:
    """A batch on its way: its outcomes so far, its records still with the pool, its links read."""

    def __init__(self, pool: PushPool | None):
        self.pool = pool
        self.done: list[tuple[SourceRecord, Outcome, list]] = []
        self.pushing: Pushing | None = None
        self.links = contextlib.ExitStack()


class Runner:
    """Drives one run. Records of a batch are pushed by up to `FLOW_PUSH_CONCURRENCY` threads for
    the kinds that push invoices (`CONCURRENT_KINDS`), so a tenant's rate limit is filled even when
    its ERP answers slowly; the limiter, shared by every worker of the connection, keeps them under
    it; the next batch follows the last into the pool before that one's slowest record is done
    (`push_batches`). A run hands over to a fresh queued run (`handed_over`) between batches when
    a run of another flow, or the scheduler's tick, waits for a worker, so one shop's backlog holds
    a worker for one batch at a time, not for the whole backlog (`slice_is_up`)."""

    def __init__(self, flow: Flow, trigger: str, *, full: bool = False,
                 progress: Callable[[Outcome], None] | None = None, only_requested: bool = False):
        self.flow = flow
        self.trigger = trigger
        self.full = full
        self.only_requested = only_requested  # the records asked for by id, and no incremental pass
        self.progress = progress or (lambda outcome: None)
        self.totals: Counter = Counter()
        self.unflushed: Counter = Counter()
        self.handed_over = False
        self.last_beat = 0.0
        self.beat_lock = threading.Lock()
        self.probed = False  # has a record of this run been pushed alone yet (see `handle_batch`)

    def run(self) -> SyncRun:
        run = open_run(self.flow, self.trigger)
        started = time.monotonic()
        pool = None
        try:
            missing = unmapped_required(self.flow.integration, self.flow.kind)
            if missing:
                raise SyncError("unmapped_required_field", f"Unmapped required fields: {', '.join(missing)}.")
            context = build_context(self.flow, run, full=self.full)
            self.kind = FLOW_KINDS[self.flow.kind](context)
            self.context = context
            pool = self.pool()
            self.beat(run)
            # First what webhooks asked for and what is due for a retry, then the incremental pass.
            pending = webhooks.pending_records(self.flow)
            wanted = list(dict.fromkeys(open_failures(self.flow) + pending))
            if wanted:
                self.end_batch(run, self.start_batch(run, list(self.kind.refetch(wanted)), pool))
                self.flush(run)
            webhooks.mark_processed(self.flow, [source_id for source_id, _ in pending],
                                    received_before=run.started_at)
            if not self.only_requested:
                self.push_batches(run, pool, started)
        except SyncError as exc:
            message = exc.message
            if exc.code in AUTH_CODES:
                message = (f"{message.rstrip('. ')}. The run stopped at this refusal: no record was marked failed, "
                           "and the flow resumes from its cursor once access is restored.")
            return self.finish(run, SyncRun.Status.FAILED, exc.code, message)
        except RunAbandoned as exc:
            logger.warning("%s", exc)
            return self.finish(run, SyncRun.Status.ABANDONED)
        except Exception as exc:
            logger.exception("run %s of %s failed", run.pk, self.flow)
            return self.finish(run, SyncRun.Status.FAILED, "internal_error", f"{type(exc).__name__}: {exc}")
        finally:
            if pool is not None:
                pool.shutdown()
        status = SyncRun.Status.PARTIAL if self.totals[Status.FAILED] else SyncRun.Status.SUCCEEDED
        return self.finish(run, status)

    def pool(self) -> PushPool | None:
        """Threads for this run's pushes: only for kinds that push invoices, and never inside a
        caller's transaction (other threads' connections could not see its uncommitted rows)."""
        workers = settings.FLOW_PUSH_CONCURRENCY
        if workers < 2 or self.flow.kind not in CONCURRENT_KINDS or transaction.get_connection().in_atomic_block:
            return None
        return PushPool(workers)

    def batches(self, read_ahead: bool):
        """The flow's batches; a sweep reads its next page while this one is pushed, and pushes it
        before this one is done (an events queue can do neither: its next read would return the
        events not yet confirmed, the same records again)."""
        batches = self.read(self.kind.batches(self.flow.cursor))
        changes = getattr(self.kind, "changes", None)
        if read_ahead and changes is not None and not changes.use_events:
            return ReadAhead(batches)
        return batches

    def read(self, batches: Iterator[Batch]) -> Iterator[Batch]:
        """The batches, with the reading thread's journals emptied after each read: a page read is
        no record's exchange, and a thread that only reads (`ReadAhead`) would otherwise keep every
        page of a long run, answers and all."""
        for batch in batches:
            self.context.fresh_journals()
            yield batch

    def push_batches(self, run: SyncRun, pool: PushPool | None, started: float) -> None:
        """The incremental pass. With a pool, a sweep's next batch is handed out while the last
        records of this one are still pushed, so the ERP's window never waits on a batch's slowest
        record, its sync-log write or the next page; a batch's cursor is saved once all its records
        are done, in order, so a killed run resumes before any batch it had not finished."""
        in_flight: deque[tuple[Batch, BatchPush]] = deque()
        batches = self.batches(pool is not None)
        depth = 2 if isinstance(batches, ReadAhead) else 1
        began = dict(self.flow.cursor)
        try:
            for batch in batches:
                if batch.records and in_flight and moves_on(in_flight[-1][0], began) and self.slice_is_up(started):
                    self.handed_over = True  # the rest is the next run's, queued behind other shops
                    break
                in_flight.append((batch, self.start_batch(run, batch.records, pool)))
                if len(in_flight) < depth:
                    continue
                self.checkpoint(run, *in_flight.popleft())
            while in_flight:
                self.checkpoint(run, *in_flight.popleft())
        except BaseException:
            while in_flight:  # the run stops: keep what its batches did, and move no cursor
                self.end_batch(run, in_flight.popleft()[1], stopping=True)
            raise

    def slice_is_up(self, started: float) -> bool:
        """Asked before a run starts its next batch: it hands over once it has run `RUN_SLICE_SECONDS`
        (none by default) while a run of another flow waits for a worker, so another shop waits
        for this one's batch in hand, never for its backlog; and after `RUN_MAX_SECONDS` anyway (a
        run must end well within the task timeout). A backlog alone is pushed on without a pause."""
        took = time.monotonic() - started
        if took > settings.RUN_MAX_SECONDS:
            return True
        if took < settings.RUN_SLICE_SECONDS:
            return False
        if runs_waiting(besides=self.flow):
            return True
        # The scheduler's tick is a task too: with every worker busy it waits, and the shops it would
        # queue with it. Its work is quick: do it here; the runs it queues are then waiting runs.
        return due_flows_tick_waiting() and run_due_flows() > 0

    def checkpoint(self, run: SyncRun, batch: Batch, push: BatchPush) -> None:
        self.end_batch(run, push)
        if batch.cursor is not None:
            self.flow.cursor = self.kind.checkpoint(batch)
            self.flow.save(update_fields=["cursor"])
        if batch.on_done:
            batch.on_done()
        self.flush(run)

    def start_batch(self, run: SyncRun, records: list[SourceRecord], pool: PushPool | None) -> BatchPush:
        """Process a batch: at once without a pool, else handed to the pool's threads."""
        push = BatchPush(pool)
        if not records:
            return push
        self.beat(run)  # and again during the batch when it runs long (`beat_if_due`)
        push.links.enter_context(prefetched(self.flow.integration, self.kind.links_to_read(records)))
        try:
            if pool is not None and not self.probed:
                # A run's first record goes alone: refused access then stops the run at its first
                # refusal (no thread runs into it too), and the ERP's registers are read once.
                push.done.append(self.handle(run, records[0]))
                self.probed = True
                records = records[1:]
            if pool is None:
                for record in records:
                    push.done.append(self.handle(run, record))
            else:
                push.pushing = pool.submit(lambda record: self.handle(run, record), records)
        except BaseException:
            self.end_batch(run, push, stopping=True)
            raise
        return push

    def end_batch(self, run: SyncRun, push: BatchPush, *, stopping: bool = False) -> None:
        """Wait for a batch's records and keep their outcomes in one write, also when one of them
        stopped the run (raised here unless the run is `stopping` already)."""
        try:
            if push.pushing is not None:
                push.done.extend(push.pushing.wait())
        finally:
            push.links.close()
            self.save_records(run, push.done)
        if push.pool is not None and not stopping:
            push.pool.raise_failure()

    def handle(self, run: SyncRun, record: SourceRecord) -> tuple[SourceRecord, Outcome, list]:
        """Process one record; whatever goes wrong stays with this record."""
        journals = self.context.fresh_journals()
        self.beat_if_due(run)
        try:
            outcome = self.kind.process(record)
        except SyncError as exc:
            if exc.code in AUTH_CODES:
                raise  # no record can pass while access is refused: stop the run
            outcome = Outcome(Status.FAILED, message=exc.message, error_code=exc.code,
                              request=exc.request, response=exc.response, retry_at=exc.retry_at)
        except Exception as exc:
            logger.exception("record %s of %s failed unexpectedly", record.source_id, self.flow)
            outcome = Outcome(Status.FAILED, message=f"{type(exc).__name__}: {exc}", error_code="internal_error")
        return record, outcome, [e for journal in journals for e in journal][-MAX_KEPT_EXCHANGES:]

    def save_records(self, run: SyncRun, done: list[tuple[SourceRecord, Outcome, list]]) -> None:
        """Keep what happened, for a whole batch in one transaction. Plain skips are only counted,
        unless they close an open failure; only records seen before have a row to supersede."""
        if not done:
            return
        self._write_records(run, done)
        for _, outcome, _ in done:
            self.totals[outcome.status] += 1
            self.unflushed[outcome.status] += 1
            self.progress(outcome)

    def _write_records(self, run: SyncRun, done: list[tuple[SourceRecord, Outcome, list]]) -> None:
        integration, object_type = self.flow.integration, self.kind.object_type
        earlier = SyncRecord.objects.filter(integration=integration, object_type=object_type, superseded=False)
        previous = {}
        for source_id, status, attempts in earlier.filter(
            source_id__in=[record.source_id for record, _, _ in done]
        ).order_by("created_at").values_list("source_id", "status", "attempts"):
            previous[source_id] = (status, attempts)  # the latest wins
        rows = []
        for record, outcome, exchanges in done:
            before = previous.get(record.source_id)
            if outcome.status == Status.SKIPPED and (before is None or before[0] != Status.FAILED):
                continue
            attempts = before[1] + 1 if before and before[0] == Status.FAILED else 1
            retry = (after_failure(outcome.error_code, attempts, retry_at=outcome.retry_at)
                     if outcome.status == Status.FAILED else {})
            rows.append(SyncRecord(
                run=run, integration=integration, object_type=object_type,
                source_id=record.source_id, source_ref=record.source_ref, source_parent=record.source_parent,
                target_id=outcome.target_id, status=outcome.status, error_code=outcome.error_code,
                message=outcome.message[:5000], attempts=attempts,
                request=outcome.request or [e.as_request() for e in exchanges] or None,
                response=outcome.response or [e.as_response() for e in exchanges] or None,
                source=kept_source(record), **retry, **search_keys(record),
            ))
        if not rows:
            return
        seen_before = [row.source_id for row in rows if row.source_id in previous]
        with transaction.atomic():
            if seen_before:
                earlier.filter(source_id__in=seen_before).update(superseded=True)
            SyncRecord.objects.bulk_create(rows)
            partner_events.records_failed(integration, rows)  # bulk_create sends no post_save

    def beat_if_due(self, run: SyncRun) -> None:
        """Beat at most every `beat_interval()`: often enough for the stale-run check, not per record."""
        if time.monotonic() - self.last_beat >= beat_interval():
            with self.beat_lock:
                if time.monotonic() - self.last_beat >= beat_interval():
                    self.beat(run)

    def beat(self, run: SyncRun) -> None:
        """Prove the run alive; a run marked abandoned stops at once."""
        alive = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(heartbeat_at=timezone.now())
        self.last_beat = time.monotonic()
        if not alive:
            raise RunAbandoned(f"run {run.pk} was marked abandoned; stopping so it does not compete with its successor")

    def flush(self, run: SyncRun) -> None:
        """Add the counts since the last flush to the run, and beat its heart."""
        SyncRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now(),
            **{status: F(status) + self.unflushed[status] for status in Status.values},
        )
        self.unflushed.clear()

    def finish(self, run: SyncRun, status: str, code: str = "", message: str = "") -> SyncRun:
        self.flush(run)
        # An abandoned run keeps that status: whoever resumed its work owns the outcome.
        finished = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
            status=status, finished_at=timezone.now(), error_code=code, error_message=message[:5000]
        )
        if not finished:
            # Taken for dead while alive. Every batch it began has ended, so no push of it is in
            # flight: the run that resumed its work may take over its claims now.
            end_leases(run)
        if code in AUTH_CODES:
            # Find out which side refused us: it turns unhealthy, which pauses every flow using it
            # (whatever integration) and opens its one alert (`alerts.refusing_connections`).
            check_connection(self.flow.integration.source)
            check_connection(self.flow.integration.target)
        run.refresh_from_db()
        if finished and run.status == SyncRun.Status.FAILED:
            partner_events.run_failed(run)  # once: only the worker that finished the run gets here
        after_run(run)
        return run


def run_flow(flow: Flow, trigger: str = SyncRun.Trigger.MANUAL, *, full: bool = False, progress=None,
             only_requested: bool = False) -> SyncRun:
    """Run `flow` once. The run's `handed_over` says it stopped at its time slice with more to do.
    `only_requested`: handle just the records asked for by id (a test sync of chosen shipments),
    leaving the incremental pass and its cursor to the scheduled runs."""
    runner = Runner(flow, trigger, full=full, progress=progress, only_requested=only_requested)
    run = runner.run()
    run.handed_over = runner.handed_over
    return run
