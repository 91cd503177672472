"""What changed in Centra since the last run, the way Centra advises (centra.md §2.3).

Where the store has the events queue, a connection reads it: subscribe once, read the oldest
unconfirmed events, confirm them only after the batch is handled (a killed run sees them again).
Otherwise, and once as a backfill before events take over, a sweep: orders created since the
last run (with an overlap), then every order still in a non-final status, then orders we are
waiting on (shipped later than they were seen). The cursor records the phase and page, so a
killed run resumes where it stopped.
"""

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.utils import timezone

from ..connectors.centra import CentraClient, CentraEvents

logger = logging.getLogger(__name__)

OPEN_STATUSES = ["CONFIRMED", "PROCESSING"]
OVERLAP = timedelta(minutes=15)
DEFAULT_BACKFILL_DAYS = 30
SWEEP_PHASES = ("window", "open", "waiting")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class OrderChanges:
    """Yields pages of Centra orders (with their shipments) and the cursor after each page."""

    def __init__(self, client: CentraClient, *, use_events: bool, page_size: int, backfill_days: int,
                 event_types: tuple[str, ...] = ("Shipment",)):
        self.client = client
        self.events = CentraEvents(client)
        self.use_events = use_events
        self.page_size = page_size
        self.backfill_days = backfill_days
        self.event_types = list(event_types)

    def batches(self, cursor: dict, waiting: set[str]) -> Iterator[tuple[list[dict], dict, object]]:
        cursor = dict(cursor or {})
        if self.use_events:
            if not cursor.get("listening"):
                self.events.listen(self.event_types)
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
            else:
                where = {"createdAt": {"from": window_from}} if name == "window" else {"status": OPEN_STATUSES}
                pages = self._pages(where, start)
            for number, orders in pages:
                yield orders, {**base, "phase": name, "page": number + 1}, None
        final = {"since": run_from}
        if done:
            final.update(done)
        yield [], final, None

    def _pages(self, where: dict, start: int):
        page = start
        while True:
            orders = self.client.orders_page(where, page=page, limit=self.page_size)
            if orders:
                yield page, orders
            if len(orders) < self.page_size:
                return
            page += 1

    def _waiting_pages(self, order_ids: list[str], start: int):
        for page in range(start, (len(order_ids) + self.page_size - 1) // self.page_size + 1):
            chunk = order_ids[(page - 1) * self.page_size: page * self.page_size]
            yield page, self.client.orders_by_id(chunk)

    # --- events -----------------------------------------------------------------------------

    def _events(self, cursor: dict):
        while True:
            events = self.events.pending(self.event_types, self.page_size)
            if not events:
                return
            shipment_ids = []
            for event in events:
                try:
                    shipment_ids.append(int(event.get("objectReference")))
                except (TypeError, ValueError):
                    # Confirmed with the rest so the queue moves on; a full sweep still finds it.
                    logger.warning("Centra event %s has no usable shipment id: %r", event.get("id"), event)
            orders = self.client.orders_by_id(self.events.order_ids_of_shipments(shipment_ids))
            ids = [event["id"] for event in events]
            yield orders, dict(cursor), (lambda ids=ids: self.events.confirm(ids))
            if len(events) < self.page_size:
                return
