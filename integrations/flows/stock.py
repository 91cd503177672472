"""Stock flow: Fortnox stock -> Centra, Fortnox being the source of truth.

Incremental runs read the articles Fortnox changed since the last run (with an overlap) and push
a quantity only when it differs from the one we last pushed for that article. A full pass (the
nightly reconciliation, and the very first run) reads every article, compares it with Centra's
physical stock and corrects only the drift, counting the corrections.

Each article goes to one Centra size, found by SKU (or EAN, per the flow's `match_on`). A SKU can
live on several products (seasonal collections): the Active product wins, then Inactive, then
Cancelled, then the oldest; the record's message says which one was chosen over which.
"""

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone

from ..connectors.centra.catalog import CentraCatalog
from ..domain.documents import StockLevel
from ..domain.errors import SyncError
from ..links import get_link
from ..models import Flow, RecordLink, SyncRecord
from .base import Batch, FlowKind, Outcome, SourceRecord, chunked
from .cursors import StockCursor

OVERLAP = timedelta(minutes=5)
MATCH_ON = ("sku", "ean", "sku_then_ean")
STATUS_PREFERENCE = ("ACTIVE", "INACTIVE", "CANCELLED")
Status = SyncRecord.Status


def product_of(size: dict) -> dict:
    return (size.get("productVariant") or {}).get("product") or {}


def _rank(size: dict) -> tuple[int, int]:
    status = product_of(size).get("status")
    preference = STATUS_PREFERENCE.index(status) if status in STATUS_PREFERENCE else len(STATUS_PREFERENCE)
    return preference, int(product_of(size).get("id") or 0)


def _describe(size: dict) -> str:
    product = product_of(size)
    return f"{product.get('name')!r} (product {product.get('id')}, {product.get('status')})"


def choose_size(sizes: list[dict]) -> tuple[dict, str]:
    """The size that gets the stock, and a note naming the ones passed over (if any)."""
    ranked = sorted(sizes, key=_rank)
    chosen = ranked[0]
    if len(ranked) == 1:
        return chosen, ""
    others = ", ".join(_describe(size) for size in ranked[1:])
    return chosen, f"{chosen.get('SKU')} is on {len(ranked)} Centra products: chose {_describe(chosen)} over {others}."


def centra_quantity(quantity: Decimal, erp_label: str = "The ERP") -> tuple[int, str]:
    """Centra holds whole, non-negative units; say so when the ERP's number had to be changed."""
    whole = int(quantity.to_integral_value(rounding=ROUND_FLOOR))
    if whole < 0:
        return 0, f" {erp_label} has {quantity} (oversold); Centra cannot hold negative stock, so it gets 0."
    if whole != quantity:
        return whole, f" {erp_label} has {quantity}; Centra holds whole units, so it gets {whole}."
    return whole, ""


class StockFlow(FlowKind):
    kind = Flow.Kind.STOCK
    object_type = "stock"

    def __init__(self, context):
        super().__init__(context)
        self.erp = context.clients["target"]
        self.catalog = CentraCatalog(context.clients["source"])
        options = context.flow.options
        self.match_on = options.get("match_on", "sku")
        if self.match_on not in MATCH_ON:
            raise SyncError("flow_misconfigured",
                            f"Stock flow option match_on is {self.match_on!r}; use one of {', '.join(MATCH_ON)}.")
        self.warehouse_ref = str(options.get("warehouse") or "").strip()
        self._warehouse: dict | None = None
        self.compared = 0
        self.corrected = 0
        self.seen: set[str] = set()  # retried records come first; the listing must not repeat them
        self.full = context.full

    # --- fetching ---------------------------------------------------------------------------

    def batches(self, stored: dict):
        """A first run has nothing to go by but Centra's own numbers: it reconciles, like a full pass."""
        cursor = StockCursor.load(stored)
        started = timezone.now()
        self.full = self.context.full or not cursor.modified_since
        since = None if self.full else cursor.modified_since
        levels = self.erp.stock_levels(datetime.fromisoformat(since) if since else None)
        done = cursor.but(modified_since=(started - OVERLAP).isoformat(timespec="seconds"))
        size = self.context.flow.batch_size
        chunks = chunked(levels, size) or [[]]
        for index, chunk in enumerate(chunks):
            # An ERP listing is not sorted by change time: only a finished listing moves the cursor on.
            yield Batch(self._records(chunk), (done if index == len(chunks) - 1 else cursor).dump())

    def checkpoint(self, batch: Batch) -> dict:
        if not self.full:
            return batch.cursor
        return StockCursor.load(batch.cursor).but(reconciliation={
            "run": self.context.run.pk, "compared": self.compared, "corrected": self.corrected,
        }).dump()

    def refetch(self, records):
        found = {}
        for article_number, _ in records:
            found[article_number] = self.erp.stock_level(article_number)
        present = [level for level in found.values() if level is not None]
        candidates = self._candidates(present)
        for article_number, level in found.items():
            self.seen.add(article_number)
            yield SourceRecord(
                source_id=article_number, source_ref=article_number,
                data={"level": level, "sizes": candidates.get(article_number, [])},
            )

    def _records(self, levels: list[StockLevel]) -> list[SourceRecord]:
        levels = [level for level in levels if level.article_number not in self.seen]
        self.seen.update(level.article_number for level in levels)
        candidates = self._candidates(levels)
        return [
            SourceRecord(source_id=level.article_number, source_ref=level.article_number,
                         data={"level": level, "sizes": candidates[level.article_number]})
            for level in levels
        ]

    def _candidates(self, levels: list[StockLevel]) -> dict[str, list[dict]]:
        """Centra sizes per article number, looked up for a whole batch at once."""
        with_stock = self.full
        found: dict[str, list[dict]] = {level.article_number: [] for level in levels}
        if self.match_on in ("sku", "sku_then_ean"):
            for size in self.catalog.sizes_by_sku(list(found), with_stock=with_stock):
                found.setdefault(size.get("SKU"), []).append(size)
        if self.match_on in ("ean", "sku_then_ean"):
            by_ean: dict[str, list[dict]] = {}
            wanted = [level for level in levels if not found[level.article_number] and level.ean]
            for size in self.catalog.sizes_by_ean(sorted({level.ean for level in wanted}), with_stock=with_stock):
                by_ean.setdefault(size.get("EAN"), []).append(size)
            for level in wanted:
                found[level.article_number] = by_ean.get(level.ean, [])
        return found

    # --- pushing ----------------------------------------------------------------------------

    def warehouse(self) -> dict:
        if self._warehouse is None and self.warehouse_ref:
            self._warehouse = self.catalog.warehouse(self.warehouse_ref) or {}
        if not self._warehouse:
            raise SyncError(
                "warehouse_missing",
                f"Centra has no warehouse {self.warehouse_ref!r}." if self.warehouse_ref
                else f"The stock flow has no `warehouse` option: name the Centra warehouse {self.erp_label} stock "
                     "goes to.",
            )
        return self._warehouse

    def process(self, record: SourceRecord) -> Outcome:
        level, sizes = record.data["level"], record.data["sizes"]
        if level is None:
            return Outcome(Status.SKIPPED,
                           message=f"Article {record.source_id} is gone from {self.erp_label}: nothing to push.")
        if not sizes:
            raise SyncError("sku_not_in_centra", self._no_size_message(level))
        size, choice = choose_size(sizes)
        warehouse = self.warehouse()
        quantity, quantity_note = centra_quantity(level.quantity, self.erp_label)
        pushed = f"size {size['id']} warehouse {warehouse['id']} quantity {quantity}"
        where = f"Centra size {size['id']} ({size.get('SKU') or 'no SKU'}) in warehouse {warehouse['name']}"
        if size.get("SKU") != level.article_number:
            choice = f"Matched by EAN {size.get('EAN')}. {choice}"
        if self.full:
            self.compared += 1
            # Centra's GraphQL shows physical stock per size over all warehouses only (centra.md §3.6);
            # with Fortnox as the stock master, its warehouse is the one holding the size's stock.
            centra_has = int((size.get("stockTotals") or {}).get("physicalQuantity") or 0)
            if centra_has == quantity:
                self._remember(level, size, pushed)
                return Outcome(Status.SKIPPED, str(size["id"]), f"{where} is in step: {quantity}.")
            self._push(warehouse, size, quantity, f"Junipeer: nightly reconciliation with {self.erp_label}")
            self._remember(level, size, pushed)
            self.corrected += 1
            return Outcome(Status.UPDATED, str(size["id"]), (
                f"Drift: Centra had {centra_has}, {self.erp_label} has {quantity}. {where} corrected "
                f"(correction {self.corrected} of {self.compared} SKUs compared so far).{quantity_note} {choice}"
            ).strip())
        link = get_link(self.context.integration, self.object_type, level.article_number)
        if link and link.fingerprint == pushed:
            return Outcome(Status.SKIPPED, str(size["id"]), f"{where} already has {quantity}.")
        self._push(warehouse, size, quantity, f"Junipeer: stock from {self.erp_label}")
        self._remember(level, size, pushed)
        return Outcome(Status.UPDATED, str(size["id"]),
                       f"{where} set to {quantity}.{quantity_note} {choice}".strip())

    def _push(self, warehouse: dict, size: dict, quantity: int, description: str) -> None:
        self.catalog.set_stock(warehouse_id=int(warehouse["id"]), variant_id=int(size["productVariant"]["id"]),
                               size_id=int(size["id"]), quantity=quantity, description=description)

    def _remember(self, level: StockLevel, size: dict, pushed: str) -> None:
        """The link keeps what we last pushed, so an unchanged quantity is not pushed again."""
        RecordLink.objects.update_or_create(
            integration=self.context.integration, object_type=self.object_type, source_id=level.article_number,
            defaults={"target_id": str(size["id"]), "fingerprint": pushed},
        )

    def _no_size_message(self, level: StockLevel) -> str:
        article = f"{self.erp_label} article {level.article_number}, {level.description!r}"
        if self.match_on == "ean":
            if not level.ean:
                return (f"{article} has no EAN, and this flow matches Centra sizes by EAN: add the EAN in "
                        f"{self.erp_label}, or set the flow option match_on to sku_then_ean.")
            return f"No Centra product size has EAN {level.ean} ({article}): give the size this EAN in Centra."
        if self.match_on == "sku":
            return (f"No Centra product size has SKU {level.article_number} ({article}). Give the size this SKU "
                    "in Centra, or set the flow option match_on to sku_then_ean if the EANs agree.")
        tried = f"SKU {level.article_number}" + (f" or EAN {level.ean}" if level.ean else "")
        return (f"No Centra product size has {tried} ({article}). Give the size this SKU in Centra, or give "
                f"the {self.erp_label} article the size's EAN.")
