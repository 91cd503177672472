"""Products flow: Centra product sizes -> Fortnox articles (article number = SKU).

Every size becomes one article with its description, EAN, type (stock or service) and, when the
flow names a Centra pricelist, the size's price written to a Fortnox price list. A re-run writes
only what changed since the last push (the link's fingerprint) and never creates a second
article: new sizes are first looked up by article number. When one SKU is on several sizes, the
first size linked owns the article; the others are linked to it and say so, without rewriting it.

Only Centra -> Fortnox is implemented; the flow refuses another `direction`.
"""

import hashlib
import json
from datetime import timedelta

from django.utils import timezone

from mappings.catalog import article_from_size

from ..connectors.centra.catalog import CentraCatalog
from ..domain.documents import Article
from ..domain.errors import SyncError
from ..links import get_link, push_once
from ..models import Flow, RecordLink, SyncRecord
from .base import Batch, FlowKind, Outcome, SourceRecord
from .cursors import ProductsCursor

DIRECTIONS = ("centra_to_fortnox",)
ARTICLE_TYPES = ("STOCK", "SERVICE")
OVERLAP = timedelta(minutes=5)
Status = SyncRecord.Status


def fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds")


class ProductsFlow(FlowKind):
    kind = Flow.Kind.PRODUCTS
    object_type = "article"

    def __init__(self, context):
        super().__init__(context)
        self.catalog = CentraCatalog(context.clients["source"])
        self.erp = context.clients["target"]
        options = context.flow.options
        direction = options.get("direction", "centra_to_fortnox")
        if direction not in DIRECTIONS:
            raise SyncError("flow_misconfigured", (
                f"Products flow direction {direction!r} is not supported: articles go from Centra to {self.erp_label} "
                "(direction centra_to_fortnox)."
            ))
        self.article_type = str(options.get("article_type", "STOCK")).upper()
        if self.article_type not in ARTICLE_TYPES:
            raise SyncError("flow_misconfigured",
                            f"Products flow option article_type is {self.article_type!r}; use STOCK or SERVICE.")
        self.pricelist_name = str(options.get("pricelist") or "")
        self.price_list = str(options.get("price_list") or "") or None  # None: the ERP's default list
        self._pricelist_id: int | None = None
        self.seen: set[str] = set()  # retried sizes come first; the listing must not repeat them

    # --- fetching ---------------------------------------------------------------------------

    def batches(self, stored: dict):
        """Products changed since the last run, by id so pages never shift backwards mid-run."""
        cursor = ProductsCursor.load(stored)
        run_from = cursor.run_from or _iso(timezone.now() - OVERLAP)
        updated_from = None if self.context.full else cursor.updated_from
        page = cursor.page
        limit = self.context.flow.batch_size
        while True:
            products = self.catalog.products_page(updated_from=updated_from, page=page, limit=limit)
            last = len(products) < limit
            done = ProductsCursor(updated_from=run_from) if last else ProductsCursor(
                updated_from=updated_from, run_from=run_from, page=page + 1)
            yield Batch(self._records(products), done.dump())
            if last:
                return
            page += 1

    def refetch(self, records):
        wanted = {source_id for source_id, _ in records}
        product_ids = sorted({int(parent) for _, parent in records if parent})
        yield from self._records(self.catalog.products_by_id(product_ids), only=wanted)

    def _records(self, products: list[dict], only: set[str] | None = None) -> list[SourceRecord]:
        variant_ids = [variant["id"] for product in products for variant in product.get("variants") or []]
        prices = {}
        if self.pricelist_name and variant_ids:
            prices = self.catalog.variant_prices(self.pricelist_id(), variant_ids)
        records = []
        for product in products:
            for variant in product.get("variants") or []:
                for size in variant.get("productSizes") or []:
                    if str(size["id"]) in self.seen or (only is not None and str(size["id"]) not in only):
                        continue
                    self.seen.add(str(size["id"]))
                    records.append(SourceRecord(
                        source_id=str(size["id"]), source_ref=str(size.get("SKU") or ""),
                        source_parent=str(product["id"]),
                        data={"product": product, "variant": variant, "size": size,
                              "price": prices.get(variant["id"])},
                    ))
        return records

    def pricelist_id(self) -> int:
        if self._pricelist_id is None:
            found = self.catalog.pricelist(self.pricelist_name)
            if found is None:
                raise SyncError("price_list_missing",
                                f"Centra has no pricelist {self.pricelist_name!r} (products flow option pricelist).")
            self._pricelist_id = int(found["id"])
        return self._pricelist_id

    # --- pushing ----------------------------------------------------------------------------

    def process(self, record: SourceRecord) -> Outcome:
        product, variant, size = record.data["product"], record.data["variant"], record.data["size"]
        article = article_from_size(product, variant, size, service=self.article_type == "SERVICE",
                                    sales_price=record.data["price"])
        if not article.article_number:
            raise SyncError("missing_sku", (
                f"Size {size['id']} ({article.description}) has no SKU in Centra, so it cannot be a {self.erp_label} "
                "article: give the product, variant or size a number in Centra."
            ))
        self.erp.check_article_number(article.article_number)
        printed = fingerprint({"article": article, "price_list": self.price_list})
        link = get_link(self.context.integration, self.object_type, record.source_id)
        if link and link.is_linked:
            return self._linked(link, article, printed)
        return self._first_push(record, article, printed)

    def _linked(self, link: RecordLink, article: Article, printed: str) -> Outcome:
        owner = self._owner(link.target_id)
        if owner and owner.source_id != link.source_id:
            self._save_fingerprint(link, printed)
            return Outcome(Status.SKIPPED, link.target_id, (
                f"Shares article {link.target_id} with Centra size {owner.source_id}, which keeps it up to date."
            ))
        if link.fingerprint == printed:
            return Outcome(Status.SKIPPED, link.target_id, f"Article {link.target_id} is up to date.")
        self.erp.update_article(link.target_id, article)
        price_note = self._set_price(link.target_id, article)
        self._save_fingerprint(link, printed)
        return Outcome(Status.UPDATED, link.target_id,
                       f"Article {link.target_id} updated: {self._summary(article)}{price_note}")

    def _first_push(self, record: SourceRecord, article: Article, printed: str) -> Outcome:
        number = article.article_number
        owner = self._owner(number)
        pushed = push_once(
            integration=self.context.integration, run=self.context.run, object_type=self.object_type,
            source_id=record.source_id, always_find=True,
            find=lambda: self.erp.find_article(number),
            create=lambda: self.erp.create_article(article),
        )  # the fingerprint is saved once the price is written too, so a failed price is retried
        link = get_link(self.context.integration, self.object_type, record.source_id)
        if pushed.already_linked:
            return Outcome(Status.SKIPPED, pushed.target_id, f"Article {pushed.target_id} is already linked.")
        if pushed.recovered and owner is not None:
            self._save_fingerprint(link, printed)
            return Outcome(Status.UPDATED, number, (
                f"SKU collision: {number} is also on Centra size {owner.source_id}. This size "
                f"({article.description}) is linked to the existing article {number}; no second article was "
                f"created, and the article keeps the details of size {owner.source_id}."
            ))
        if pushed.recovered:
            self.erp.update_article(number, article)
            price_note = self._set_price(number, article)
            self._save_fingerprint(link, printed)
            return Outcome(Status.UPDATED, number, (
                f"Article {number} already existed in {self.erp_label}: linked and updated: "
                f"{self._summary(article)}{price_note}"
            ))
        price_note = self._set_price(number, article)
        self._save_fingerprint(link, printed)
        return Outcome(Status.CREATED, number, f"Article {number} created: {self._summary(article)}{price_note}")

    def _set_price(self, number: str, article: Article) -> str:
        if not self.pricelist_name:
            return ""
        if article.sales_price is None:
            return (f" No price on Centra pricelist {self.pricelist_name!r}: the {self.erp_label} price is left "
                    "as it is.")
        self.erp.set_sales_price(number, article.sales_price, self.price_list)
        price_list = f"price list {self.price_list}" if self.price_list else "default price list"
        return (f" Price {article.sales_price} on the {self.erp_label} {price_list} "
                f"(Centra pricelist {self.pricelist_name}).")

    def _owner(self, article_number: str) -> RecordLink | None:
        """The size whose link to this article came first: it alone keeps the article up to date."""
        return RecordLink.objects.filter(
            integration=self.context.integration, object_type=self.object_type, target_id=article_number
        ).order_by("pk").first()

    @staticmethod
    def _save_fingerprint(link: RecordLink, printed: str) -> None:
        RecordLink.objects.filter(pk=link.pk).update(fingerprint=printed, updated_at=timezone.now())

    @staticmethod
    def _summary(article: Article) -> str:
        kind = "service" if article.service else "stock"
        ean = f", EAN {article.ean}" if article.ean else ""
        return f"{article.description!r}{ean}, {kind} article."
