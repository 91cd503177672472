"""The runner: fetch changes -> map -> push -> link -> log, in batches with checkpoints.

One run per flow at a time (a partial unique index on running runs). Failed records of earlier
runs are retried first, with the latest mappings and settings. Then the flow's batches: each
record is isolated (bad input fails that record only), and the cursor is saved after every batch
so a killed run resumes from there. A run whose worker died is noticed by its stale heartbeat.
"""

import logging
from collections import Counter
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from mappings.services import unmapped_required

from .. import webhooks
from ..alerts import after_run
from ..connections import centra_client, check_connection, erp_for
from ..domain.errors import ACCESS_REFUSED, SyncError
from ..models import Flow, SyncRecord, SyncRun
from ..retries import after_failure, due_failures
from .base import FlowContext, FlowKind, Outcome, SourceRecord
from .customers import CustomersFlow
from .orders import OrdersFlow
from .products import ProductsFlow
from .refunds import RefundsFlow
from .stock import StockFlow

logger = logging.getLogger(__name__)

FLOW_KINDS: dict[str, type[FlowKind]] = {
    OrdersFlow.kind: OrdersFlow, StockFlow.kind: StockFlow, ProductsFlow.kind: ProductsFlow,
    CustomersFlow.kind: CustomersFlow, RefundsFlow.kind: RefundsFlow,
}
AUTH_CODES = ACCESS_REFUSED  # a refusal of our access stops the run: no record can pass it
MAX_KEPT_EXCHANGES = 6
Status = SyncRecord.Status


class RunInProgress(Exception):
    """Another run of the same flow is running."""


class RunAbandoned(Exception):
    """This run was taken for dead (its heartbeat looked stale) and another may have resumed its work."""


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


class Runner:
    def __init__(self, flow: Flow, trigger: str, *, full: bool = False,
                 progress: Callable[[Outcome], None] | None = None):
        self.flow = flow
        self.trigger = trigger
        self.full = full
        self.progress = progress or (lambda outcome: None)
        self.totals: Counter = Counter()
        self.unflushed: Counter = Counter()

    def run(self) -> SyncRun:
        run = open_run(self.flow, self.trigger)
        try:
            missing = unmapped_required(self.flow.integration, self.flow.kind)
            if missing:
                raise SyncError("unmapped_required_field", f"Unmapped required fields: {', '.join(missing)}.")
            context = build_context(self.flow, run, full=self.full)
            self.kind = FLOW_KINDS[self.flow.kind](context)
            self.journals = context.journals()
            # First what webhooks asked for and what is due for a retry, then the incremental pass.
            pending = webhooks.pending_records(self.flow)
            wanted = list(dict.fromkeys(open_failures(self.flow) + pending))
            if wanted:
                for record in self.kind.refetch(wanted):
                    self.handle(run, record)
                self.flush(run)
            webhooks.mark_processed(self.flow, [source_id for source_id, _ in pending],
                                    received_before=run.started_at)
            for batch in self.kind.batches(self.flow.cursor):
                for record in batch.records:
                    self.handle(run, record)
                self.flow.cursor = self.kind.checkpoint(batch)
                self.flow.save(update_fields=["cursor"])
                if batch.on_done:
                    batch.on_done()
                self.flush(run)
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
        status = SyncRun.Status.PARTIAL if self.totals[Status.FAILED] else SyncRun.Status.SUCCEEDED
        return self.finish(run, status)

    def handle(self, run: SyncRun, record: SourceRecord) -> None:
        """Process one record; whatever goes wrong stays with this record."""
        for journal in self.journals:
            journal.clear()
        self.beat(run)
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
        self.totals[outcome.status] += 1
        self.unflushed[outcome.status] += 1
        self.save_record(run, record, outcome)
        self.progress(outcome)

    def save_record(self, run: SyncRun, record: SourceRecord, outcome: Outcome) -> None:
        """Keep what happened. Plain skips are only counted, unless they close an open failure."""
        earlier = SyncRecord.objects.filter(
            integration=self.flow.integration, object_type=self.kind.object_type,
            source_id=record.source_id, superseded=False,
        )
        previous = earlier.order_by("-created_at").values_list("status", "attempts").first()
        if outcome.status == Status.SKIPPED and (previous is None or previous[0] != Status.FAILED):
            return
        exchanges = [e for journal in self.journals for e in journal][-MAX_KEPT_EXCHANGES:]
        attempts = previous[1] + 1 if previous and previous[0] == Status.FAILED else 1
        retry = (after_failure(outcome.error_code, attempts, retry_at=outcome.retry_at)
                 if outcome.status == Status.FAILED else {})
        with transaction.atomic():
            earlier.update(superseded=True)
            SyncRecord.objects.create(
                run=run, integration=self.flow.integration, object_type=self.kind.object_type,
                source_id=record.source_id, source_ref=record.source_ref, source_parent=record.source_parent,
                target_id=outcome.target_id, status=outcome.status, error_code=outcome.error_code,
                message=outcome.message[:5000], attempts=attempts,
                request=outcome.request or [e.as_request() for e in exchanges] or None,
                response=outcome.response or [e.as_response() for e in exchanges] or None,
                **retry,
            )

    def beat(self, run: SyncRun) -> None:
        """Prove the run alive before each record; a run marked abandoned stops at once."""
        alive = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(heartbeat_at=timezone.now())
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
        SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
            status=status, finished_at=timezone.now(), error_code=code, error_message=message[:5000]
        )
        if code in AUTH_CODES:
            # Find out which side refused us: it turns unhealthy, which pauses every flow using it
            # (whatever integration) and opens its one alert (`alerts.refusing_connections`).
            check_connection(self.flow.integration.source)
            check_connection(self.flow.integration.target)
        run.refresh_from_db()
        after_run(run)
        return run


def run_flow(flow: Flow, trigger: str = SyncRun.Trigger.MANUAL, *, full: bool = False, progress=None) -> SyncRun:
    return Runner(flow, trigger, full=full, progress=progress).run()
