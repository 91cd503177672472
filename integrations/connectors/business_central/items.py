"""Items, prices and stock (business-central.md §5.4-5.5).

Each Centra size is its own item (number = SKU): the standard API has no stock per variant. The
item's single `unitPrice` is its sales price (BC's price lists are not in the standard API). Stock
is `inventory`, and what changed is read from item ledger entries, because posting stock moves
does not change the item's `lastModifiedDateTime` (§5.5).
"""

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from ...domain.documents import Article, PushResult, StockLevel
from ...domain.errors import SyncError
from .client import quoted
from .documents import valid_item_number
from .payloads import ITEM_LIMITS, amount, check_lengths

STOCK_CHUNK = 20  # item numbers per `number in (...)` filter


class ItemsMixin:
    def currencies(self) -> set[str]:
        if self._currencies is None:
            codes = {str(c.get("code") or "").upper() for c in self.client.list_all("currencies")}
            self._currencies = codes | {self.local_currency()}
        return self._currencies

    def local_currency(self) -> str:
        setup = (self.client.get("generalLedgerSetup").get("value") or [{}])[0]
        return str(setup.get("localCurrencyCode") or "").upper()

    def article_exists(self, article_number: str) -> bool:
        if article_number not in self._items:
            self._items[article_number] = self.find_article(article_number) is not None
        return self._items[article_number]

    def check_article_number(self, article_number: str) -> None:
        if not valid_item_number(article_number):
            raise SyncError("invalid_article_number",
                            f"SKU {article_number!r} cannot be a Business Central item number: use at most 20 letters, "
                            "digits and - _ + . / (no spaces or å, ä, ö).")

    def _item(self, article_number: str) -> dict | None:
        found = self.client.find("items", f"number eq {quoted(article_number.upper())}")
        return found[0] if found else None

    def find_article(self, article_number: str) -> str | None:
        item = self._item(article_number) if valid_item_number(article_number) else None
        return str(item["number"]) if item else None

    def item_payload(self, article: Article) -> dict:
        payload = {"displayName": article.description[:ITEM_LIMITS["displayName"]],
                   "type": "Service" if article.service else "Inventory"}
        if article.ean:
            payload["gtin"] = article.ean
        check_lengths(payload, ITEM_LIMITS, "Item")
        return payload

    def create_article(self, article: Article) -> PushResult:
        self.check_article_number(article.article_number)
        created = self.client.post("items", {"number": article.article_number.upper(), **self.item_payload(article)})
        self._items[article.article_number] = True
        return PushResult(str(created["number"]), True, created)

    def update_article(self, article_number: str, article: Article) -> PushResult:
        """A partial PATCH: posting groups, costs and what else the shop set stay as they are."""
        item = self._item(article_number)
        if item is None:
            raise SyncError("not_found", f"Business Central has no item {article_number}.")
        updated = self.client.patch_fresh(f"items({item['id']})", self.item_payload(article), item["@odata.etag"])
        return PushResult(str(item["number"]), False, updated)

    def set_sales_price(self, article_number: str, price: Decimal, price_list: str | None = None) -> None:
        """The item's unit price. Price lists per market are not in the standard API (§5.4): a named
        list other than the default cannot be honoured, which the flow must hear."""
        if price_list not in (None, "", "default"):
            raise SyncError("price_list_missing",
                            f"Business Central's standard API has no price list {price_list!r}: leave the flow's "
                            "price list empty to set the items' unit price.")
        item = self._item(article_number)
        if item is None:
            raise SyncError("not_found", f"Business Central has no item {article_number}.")
        self.client.patch_fresh(f"items({item['id']})", {"unitPrice": amount(price)}, item["@odata.etag"])

    def stock_levels(self, since: datetime | None = None) -> list[StockLevel]:
        """Every item's stock, or that of the items with item ledger entries since `since`."""
        if since is None:
            return [self._level(item) for item in self.client.list_all("items")]
        moment = (since if since.tzinfo else since.replace(tzinfo=UTC)).astimezone(UTC)
        entries = self.client.find("itemLedgerEntries",
                                   f"lastModifiedDateTime gt {moment.strftime('%Y-%m-%dT%H:%M:%SZ')}",
                                   **{"$select": "entryNumber,itemNumber", "$orderby": "entryNumber"})
        numbers = sorted({str(entry["itemNumber"]) for entry in entries if entry.get("itemNumber")})
        levels = []
        for start in range(0, len(numbers), STOCK_CHUNK):
            chunk = ",".join(quoted(n) for n in numbers[start:start + STOCK_CHUNK])
            levels += [self._level(item) for item in self.client.find("items", f"number in ({chunk})")]
        return levels

    def stock_level(self, article_number: str) -> StockLevel | None:
        item = self._item(article_number) if valid_item_number(article_number) else None
        return self._level(item) if item else None

    @staticmethod
    def _level(item: dict) -> StockLevel:
        try:
            quantity = Decimal(str(item.get("inventory") if item.get("inventory") is not None else 0))
        except InvalidOperation as exc:
            raise SyncError("bad_response", f"Business Central sent inventory {item.get('inventory')!r}.") from exc
        return StockLevel(article_number=str(item["number"]), quantity=quantity, ean=str(item.get("gtin") or ""),
                          description=str(item.get("displayName") or ""))
