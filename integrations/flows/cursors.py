"""Where a flow's next run starts, one dataclass per change source.

A cursor is stored as JSON on `Flow.cursor` after every batch (a killed run resumes from it). The
dataclass says what each value means; `load` takes what was stored (keys it does not know, e.g.
from an older version, are dropped) and `dump` gives the JSON to store.
"""

from dataclasses import asdict, dataclass, fields, replace
from typing import Self


@dataclass(frozen=True)
class Cursor:
    @classmethod
    def load(cls, stored: dict | None) -> Self:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in (stored or {}).items() if key in known})

    def dump(self) -> dict:
        return asdict(self)

    def but(self, **changes) -> Self:
        return replace(self, **changes)


@dataclass(frozen=True)
class CentraCursor(Cursor):
    """A Centra change source (shipments, returns, customers): a sweep by change time, then events."""

    since: str = ""  # the previous run's start: records changed after it (less the overlap) are read
    run_from: str = ""  # this run's start; becomes `since` once the sweep has read every page
    page: int = 1  # the next page of the sweep
    listening: bool = False  # subscribed to Centra's events queue
    backfilled: bool = False  # the one sweep before the events queue took over is done


@dataclass(frozen=True)
class ProductsCursor(Cursor):
    """Centra products changed since a moment, read by id so pages never shift backwards."""

    updated_from: str | None = None  # None: every product (a first or a full run)
    run_from: str = ""
    page: int = 1


@dataclass(frozen=True)
class StockCursor(Cursor):
    """ERP stock changed since a moment; the last full reconciliation's figures."""

    modified_since: str | None = None  # None: nothing to go by yet, so the run reconciles every SKU
    reconciliation: dict | None = None  # {"run", "compared", "corrected"} of the last full pass
