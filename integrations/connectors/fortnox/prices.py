"""Fortnox prices: an article's sales price lives on a price list, not on the article.

`Article.SalesPrice` is read-only; it shows the price on the default list "A" from quantity 0.
Prices are set with `/3/prices` (scope `price`), one per list, article and from-quantity, in the
company's currency.
"""

from decimal import Decimal

from ...domain.errors import SyncError
from .payloads import money

DEFAULT_PRICE_LIST = "A"


class PricesMixin:
    def check_price_list(self, code: str) -> None:
        """Raise `price_list_missing` unless the list exists (asked once per run)."""
        if code not in self._price_lists:
            self._price_lists[code] = self.client.get_or_none(f"pricelists/{code}") is not None
        if not self._price_lists[code]:
            raise SyncError("price_list_missing", f"Fortnox has no price list {code!r}.")

    def set_sales_price(self, article_number: str, price: Decimal, price_list: str | None = None) -> None:
        """The article's from-0 price on `price_list` (default "A"): updated if there is one, else created."""
        price_list = price_list or DEFAULT_PRICE_LIST
        self.check_price_list(price_list)
        path = f"prices/{price_list}/{article_number}/0"
        if self.client.get_or_none(path) is None:
            self.client.post("prices", {"Price": {
                "ArticleNumber": article_number, "PriceList": price_list, "FromQuantity": 0, "Price": money(price),
            }})
        else:
            self.client.put(path, {"Price": {"Price": money(price)}})
