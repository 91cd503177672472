"""What changed in Centra since the last run, the way Centra advises (centra.md §2.3).

Where the store has the events queue, a connection reads it: subscribe once, read the oldest
unconfirmed events, confirm them only after the batch is handled (a killed run sees them again).
Otherwise, and once as a backfill before events take over, a sweep: records created since the
last run (with an overlap), then every record still in a non-final status, then records a flow
is waiting on (e.g. shipped later than they were seen). The cursor records the phase and page,
so a killed run resumes where it stopped.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from mappings.centra import MappingContext

from ..connectors.centra import CentraClient, CentraEvents
from .base import Batch, FlowKind

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=15)
DEFAULT_BACKFILL_DAYS = 30
SWEEP_PHASES = ("window", "open", "waiting")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class ChangeSource:
    """How to read one kind of Centra record: by page, by id, and from its events."""

    event_type: str
    page: Callable[[dict, int, int], list[dict]]  # (where, page, limit) -> records
    by_ids: Callable[[list], list[dict]]
    window_field: str = "createdAt"
    open_where: dict | None = None
    from_event_refs: Callable[[list[int]], list[dict]] | None = None


class CentraChanges:
    """Yields pages of changed Centra records and the cursor to save after each page."""

    def __init__(self, client: CentraClient, source: ChangeSource, *, use_events: bool, page_size: int,
                 backfill_days: int):
        self.client = client
        self.source = source
        self.events = CentraEvents(client)
        self.use_events = use_events
        self.page_size = page_size
        self.backfill_days = backfill_days

    def batches(self, cursor: dict, waiting: set[str]) -> Iterator[tuple[list[dict], dict, object]]:
        cursor = dict(cursor or {})
        if self.use_events:
            if not cursor.get("listening"):
                self.events.listen([self.source.event_type])
                cursor["listening"] = True
            if not cursor.get("backfilled"):
                yield from self._sweep(cursor, waiting, done={"listening": True, "backfilled": True})
                cursor = {"listening": True, "backfilled": True}
            yield from self._events(cursor)
        else:
            yield from self._sweep(cursor, waiting, done=None)

    # --- sweep ------------------------------------------------------------------------------

    def _sweep(self, cursor: dict, waiting: set[str], done: dict | None):
        now = timezone.now()
        run_from = cursor.get("run_from") or _iso(now)
        since = cursor.get("since") or _iso(now - timedelta(days=self.backfill_days))
        window_from = _iso(datetime.fromisoformat(since) - OVERLAP)
        phase = cursor.get("phase", SWEEP_PHASES[0])
        page = int(cursor.get("page", 1))
        base = {"since": since, "run_from": run_from}
        for index, name in enumerate(SWEEP_PHASES):
            if index < SWEEP_PHASES.index(phase):
                continue
            start = page if name == phase else 1
            if name == "waiting":
                pages = self._waiting_pages(sorted(waiting), start)
            elif name == "open":
                pages = self._pages(self.source.open_where, start) if self.source.open_where else iter(())
            else:
                pages = self._pages({self.source.window_field: {"from": window_from}}, start)
            for number, records in pages:
                yield records, {**base, "phase": name, "page": number + 1}, None
        final = {"since": run_from}
        if done:
            final.update(done)
        yield [], final, None

    def _pages(self, where: dict, start: int):
        page = start
        while True:
            records = self.source.page(where, page, self.page_size)
            if records:
                yield page, records
            if len(records) < self.page_size:
                return
            page += 1

    def _waiting_pages(self, ids: list[str], start: int):
        for page in range(start, (len(ids) + self.page_size - 1) // self.page_size + 1):
            chunk = ids[(page - 1) * self.page_size: page * self.page_size]
            yield page, self.source.by_ids(chunk)

    # --- events -----------------------------------------------------------------------------

    def _events(self, cursor: dict):
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
            yield records, dict(cursor), (lambda ids=ids: self.events.confirm(ids))
            if len(events) < self.page_size:
                return


class CentraSourcedFlow(FlowKind):
    """A flow that reads changed Centra records (events or sweep) and pushes them to the ERP.

    Keeps what every such flow needs between batches: the records it is waiting on (seen before
    they were due) and those already met in this run (a sweep can meet one twice).
    """

    default_backfill_days = DEFAULT_BACKFILL_DAYS

    def __init__(self, context):
        super().__init__(context)
        self.source = context.clients["source"]
        self.erp = context.clients["target"]
        flow = context.flow
        self.waiting: set[str] = set(flow.cursor.get("waiting", []))
        self.seen: set[str] = set()
        self.mapping = MappingContext.load(context.integration, self.kind)
        self.changes = CentraChanges(
            self.source, self.change_source(),
            use_events=bool(context.integration.source.settings.get("events", False)),
            page_size=flow.batch_size,
            backfill_days=int(flow.options.get("backfill_days", self.default_backfill_days)),
        )

    def change_source(self) -> ChangeSource:
        raise NotImplementedError

    def records(self, raw: list[dict]) -> list:
        """SourceRecords for a page of raw Centra records (updating `waiting` and `seen`)."""
        raise NotImplementedError

    def first_time(self, key: str) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def batches(self, cursor):
        if self.context.full:  # the whole backfill window again, keeping subscriptions and waits
            cursor = {key: value for key, value in cursor.items() if key in ("listening", "waiting")}
        for raw, next_cursor, on_done in self.changes.batches(cursor, self.waiting):
            yield Batch(self.records(raw), next_cursor, on_done)

    def checkpoint(self, batch: Batch) -> dict:
        return {**batch.cursor, "waiting": sorted(self.waiting)}
