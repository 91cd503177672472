"""What changed in Centra since the last run, detected on what is invoiced (centra.md §2.3, §5.2).

Where the store has the events queue, a connection reads it: subscribe once, read the oldest
unconfirmed events, confirm them only after the batch is handled (a killed run sees them again).
Otherwise, and once as a backfill before events take over, a sweep by the records' own change
time: shipments and returns by `updatedAt` (completing a shipment or a return bumps it), customers
likewise. So a shipment created *and* completed between two runs is found by the next run even
when no webhook arrived, and nothing that is merely still open is read again. The window starts an
overlap before the previous run started (clock skew between Centra and us); where a record handled
once needs nothing more (shipments, returns), the overlap is read on ids and only what has no link
yet is fetched in full. The cursor records the page, so a killed run resumes where it stopped.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from mappings.centra import MappingContext

from ..connectors.centra import CentraClient, CentraEvents
from ..links import linked_source_ids
from .base import Batch, FlowKind
from .cursors import CentraCursor

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=15)
LEAD_PAGE_SIZE = 10  # a sweep's first read, so a run starts pushing before a whole page is in
IDS_PAGE_SIZE = 200  # ids are cheap to list: the largest page seen documented (centra.md §1; the maximum is unknown)
DEFAULT_BACKFILL_DAYS = 30


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class ChangeSource:
    """How to read one kind of Centra record: changed since a moment, by id, and from its events."""

    event_type: str
    page: Callable[[dict, int, int], list[dict]]  # (where, page, limit) -> records
    by_ids: Callable[[list], list[dict]]
    window_field: str = "updatedAt"
    from_event_refs: Callable[[list[int]], list[dict]] | None = None
    # Where a record handled once needs nothing more (an invoiced shipment, a credited return): its
    # ids alone, (where, page, limit) -> [{"id": ...}], so the overlap is read without its records.
    ids_page: Callable[[dict, int, int], list[dict]] | None = None


class CentraChanges:
    """Yields pages of changed Centra records and the cursor to save after each page."""

    def __init__(self, client: CentraClient, source: ChangeSource, *, use_events: bool, page_size: int,
                 backfill_days: int, settled: Callable[[list[str]], set[str]] | None = None):
        self.client = client
        self.source = source
        self.settled = settled  # of these source ids, those handled for good (see `ChangeSource.ids_page`)
        self.events = CentraEvents(client)
        self.use_events = use_events
        self.page_size = page_size
        self.backfill_days = backfill_days

    def batches(self, cursor: CentraCursor) -> Iterator[tuple[list[dict], CentraCursor | None, object]]:
        if self.use_events:
            if not cursor.listening:
                self.events.listen([self.source.event_type])
                cursor = cursor.but(listening=True)
            if not cursor.backfilled:
                yield from self._sweep(cursor, done=CentraCursor(listening=True, backfilled=True))
                cursor = CentraCursor(listening=True, backfilled=True)
            yield from self._events(cursor)
        else:
            yield from self._sweep(cursor, done=CentraCursor())

    # --- sweep ------------------------------------------------------------------------------

    def _sweep(self, cursor: CentraCursor, done: CentraCursor):
        """Records changed since the previous run began (less the overlap), page by page."""
        now = timezone.now()
        run_from = cursor.run_from or _iso(now)
        since = cursor.since or _iso(now - timedelta(days=self.backfill_days))
        window_from = _iso(datetime.fromisoformat(since) - OVERLAP)
        reading = cursor.but(since=since, run_from=run_from)
        field = self.source.window_field
        if cursor.since and cursor.page == 1 and self.source.ids_page and self.settled:
            # The overlap holds what the previous run handled: read on ids, fetched in full only
            # where not handled for good. A killed run reads the overlap again (page stays 1).
            unsettled = self._unsettled({field: {"from": window_from, "to": since}})
            for start in range(0, len(unsettled), self.page_size):
                ids = unsettled[start:start + self.page_size]
                yield self.source.page({"id": [int(i) for i in ids]}, 1, len(ids)), reading, None
            window_from = since
        where = {field: {"from": window_from}}
        if cursor.page == 1 and self.page_size > LEAD_PAGE_SIZE:
            # The first records alone, so the first push need not wait for a whole page; page 1
            # is then read whole (the run's `seen` passes over what the lead already brought). The
            # lead moves no cursor (None): page 1, which holds it, is still to be read.
            lead = self.source.page(where, 1, LEAD_PAGE_SIZE)
            if len(lead) < LEAD_PAGE_SIZE:  # that is all there is
                if lead:
                    yield lead, reading.but(page=2), None
                yield [], done.but(since=run_from), None
                return
            yield lead, None, None
        for number, records in self._pages(where, cursor.page):
            yield records, reading.but(page=number + 1), None
        yield [], done.but(since=run_from), None

    def _unsettled(self, where: dict) -> list[str]:
        ids = [str(row["id"]) for _, rows in self._pages(where, 1, self.source.ids_page, IDS_PAGE_SIZE) for row in rows]
        settled = self.settled(ids) if ids else set()
        return [source_id for source_id in ids if source_id not in settled]

    def _pages(self, where: dict, start: int, read: Callable | None = None, size: int = 0):
        read, size = read or self.source.page, size or self.page_size
        page = start
        while True:
            records = read(where, page, size)
            if records:
                yield page, records
            if len(records) < size:
                return
            page += 1

    # --- events -----------------------------------------------------------------------------

    def _events(self, cursor: CentraCursor):
        while True:
            events = self.events.pending([self.source.event_type], self.page_size)
            if not events:
                return
            refs = []
            for event in events:
                try:
                    refs.append(int(event.get("objectReference")))
                except (TypeError, ValueError):
                    # Confirmed with the rest so the queue moves on; a full sweep still finds it.
                    logger.warning("Centra event %s has no usable object id: %r", event.get("id"), event)
            fetch = self.source.from_event_refs or self.source.by_ids
            records = fetch(refs) if refs else []
            ids = [event["id"] for event in events]
            yield records, cursor, (lambda ids=ids: self.events.confirm(ids))
            if len(events) < self.page_size:
                return


class CentraSourcedFlow(FlowKind):
    """A flow that reads changed Centra records (events or sweep) and pushes them to the ERP.

    A record that is not due yet (a shipment not shipped under the "shipped" trigger, a return not
    completed) is simply passed over: the change that makes it due also makes it changed, so the
    sweep or the events queue brings it again then. `seen` keeps a run from handling one record
    twice (a page boundary can shift while a run reads).
    """

    default_backfill_days = DEFAULT_BACKFILL_DAYS

    def __init__(self, context):
        super().__init__(context)
        self.source = context.clients["source"]
        self.erp = context.clients["target"]
        flow = context.flow
        self.seen: set[str] = set()
        self.mapping = MappingContext.load(context.integration, self.kind)
        self.changes = CentraChanges(
            self.source, self.change_source(),
            use_events=bool(context.integration.source.settings.get("events", False)),
            page_size=flow.batch_size,
            backfill_days=int(flow.options.get("backfill_days", self.default_backfill_days)),
            settled=lambda source_ids: linked_source_ids(context.integration, self.object_type, source_ids),
        )

    def change_source(self) -> ChangeSource:
        raise NotImplementedError

    def records(self, raw: list[dict]) -> list:
        """SourceRecords for a page of raw Centra records that are due (updating `seen`)."""
        raise NotImplementedError

    def placed_before_sync_from(self, order: dict) -> bool:
        """An order placed before the integration's go-live exclusion date is never synced."""
        sync_from = self.context.integration.sync_from
        if sync_from is None:
            return False
        try:
            placed = datetime.fromisoformat(str(order.get("createdAt") or "").replace(" ", "T"))
        except ValueError:
            return False  # no readable date: the mapping fails it with its own message
        return placed < sync_from

    def first_time(self, key: str) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def batches(self, stored: dict):
        cursor = CentraCursor.load(stored)
        if self.context.full:  # the whole backfill window again, keeping the events subscription
            cursor = CentraCursor(listening=cursor.listening)
        for raw, next_cursor, on_done in self.changes.batches(cursor):
            yield Batch(self.records(raw), None if next_cursor is None else next_cursor.dump(), on_done)
