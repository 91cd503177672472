"""What every flow kind provides to the runner: records in batches with cursor checkpoints."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..models import Flow, Integration, SyncRun


@dataclass(frozen=True)
class SourceRecord:
    """One record fetched from the source, with what it takes to fetch it again."""

    source_id: str
    data: dict
    source_ref: str = ""
    source_parent: str = ""


REFETCH_CHUNK = 50  # records fetched again by id per request


def chunked(items: list, size: int) -> list[list]:
    """`items` in consecutive slices of at most `size` (Python 3.11 has no itertools.batched)."""
    return [items[start:start + size] for start in range(0, len(items), size)]


def malformed(source_id: str, message: str, *, source_ref: str = "") -> SourceRecord:
    """A source record too broken to even tell what it is: it becomes a failed record of its own."""
    return SourceRecord(source_id, {"malformed": message}, source_ref=source_ref)


@dataclass(frozen=True)
class Batch:
    """Records plus the cursor to store once all of them are handled (None: it moves no cursor)."""

    records: list[SourceRecord]
    cursor: dict | None
    on_done: object = None  # callable run after the cursor is saved (e.g. confirm Centra events)


@dataclass
class Outcome:
    status: str  # a SyncRecord.Status value
    target_id: str = ""
    message: str = ""
    error_code: str = ""
    retry_at: object = None  # a failure that knows when a retry can first succeed
    request: object = None
    response: object = None


@dataclass
class FlowContext:
    integration: Integration
    flow: Flow
    run: SyncRun
    clients: dict = field(default_factory=dict)
    full: bool = False  # a full pass: orders sweep the backfill window, stock reconciles every SKU

    @property
    def settings(self) -> dict:
        return self.integration.settings

    @property
    def erp_label(self) -> str:
        """The ERP's name as users know it (messages say "Fortnox", "Business Central", ...)."""
        return self.integration.target.system.label

    def journals(self) -> list[list]:
        """This thread's exchange journals of every client, to keep on each sync record."""
        return [client.journal for client in self.clients.values()]

    def fresh_journals(self) -> list[list]:
        """This thread's journals, emptied: what they held belongs to no record to come."""
        journals = self.journals()
        for journal in journals:
            journal.clear()
        return journals


class FlowKind:
    """Base of a flow kind. Subclasses are plain Python over connectors and mappings."""

    kind: str = ""
    object_type: str = ""

    def __init__(self, context: FlowContext):
        self.context = context
        self.erp_label = context.erp_label

    def batches(self, cursor: dict) -> Iterator[Batch]:
        raise NotImplementedError

    def refetch(self, records: list[tuple[str, str]]) -> Iterator[SourceRecord]:
        """Fetch (source_id, source_parent) pairs again, for retries of failed records."""
        raise NotImplementedError

    def process(self, record: SourceRecord) -> Outcome:
        raise NotImplementedError

    def links_to_read(self, records: list[SourceRecord]) -> dict[str, list[str]]:
        """The record links a batch of `records` will look up, `{object type: [source id, ...]}`:
        the runner reads them in one query before the batch (`links.prefetched`)."""
        return {self.object_type: [record.source_id for record in records]}

    def checkpoint(self, batch: Batch) -> dict:
        """The cursor to save once `batch` is handled."""
        return batch.cursor
