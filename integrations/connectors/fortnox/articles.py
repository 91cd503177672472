"""Fortnox articles: the register look-ups invoices depend on (currencies, article numbers), the
articles the products flow keeps in step with Centra, and the stock the stock flow reads."""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from ...domain.documents import Article, PushResult, StockLevel
from ...domain.errors import SyncError
from . import registers
from .payloads import ARTICLE_NUMBER, check_lengths

# `lastmodified` is the company's local time (fortnox.md §4.3); Fortnox companies are Swedish.
FORTNOX_TIME = ZoneInfo("Europe/Stockholm")
ARTICLE_DESCRIPTION_MAX = 200
ARTICLE_LIMITS = {"ArticleNumber": 50, "Description": ARTICLE_DESCRIPTION_MAX, "EAN": 30}


def last_modified_param(moment: datetime) -> str:
    return moment.astimezone(FORTNOX_TIME).strftime("%Y-%m-%d %H:%M")


def _quantity(value) -> Decimal:
    """Numbers in list items may come as strings (fortnox.md §4.4)."""
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation as exc:
        raise SyncError("bad_response", f"Fortnox sent QuantityInStock {value!r}, which is not a number.") from exc


class ArticlesMixin:
    def currencies(self, *, fresh: bool = False) -> set[str]:
        """The company's currencies, kept across runs (`registers`); `fresh` reads them again."""
        key = self.client.connection_key
        if fresh or self._currencies is None:
            kept = None if fresh else registers.get(key, "currencies")
            if kept is None:
                items = self.client.list_all("currencies", "Currencies")
                kept = frozenset({str(item.get("Code", "")).upper() for item in items} | {"SEK"})
                registers.put(key, "currencies", kept)
            self._currencies = kept
        return self._currencies

    def has_currency(self, code: str) -> bool:
        """A currency missing from what we kept is asked for again: the shop may just have added it."""
        return code.upper() in self.currencies() or code.upper() in self.currencies(fresh=True)

    def article_exists(self, article_number: str) -> bool:
        """Articles known to exist are kept across runs; a missing one is asked again next run."""
        if article_number in self._articles:
            return self._articles[article_number]
        key = self.client.connection_key
        with registers.looking_up(key, "articles", article_number):
            if article_number in (registers.get(key, "articles") or ()):
                return True
            if article_number not in self._articles:  # else another thread of this run just asked
                exists = self.client.get_or_none(f"articles/{article_number}") is not None
                self._articles[article_number] = exists
                if exists:
                    registers.add(key, "articles", article_number)
        return self._articles[article_number]

    def forget_articles(self) -> None:
        """Fortnox refused an article we thought existed: read them all again."""
        self._articles.clear()
        registers.forget(self.client.connection_key, "articles")

    # --- articles from documents -------------------------------------------------------------

    def check_article_number(self, article_number: str) -> None:
        if not ARTICLE_NUMBER.match(article_number):
            raise SyncError(
                "invalid_article_number",
                f"SKU {article_number!r} cannot be a Fortnox article number: use at most 50 letters, digits "
                "and - _ + . / (no spaces or å, ä, ö).",
            )

    def article_payload(self, article: Article) -> dict:
        payload = {
            "ArticleNumber": article.article_number,
            "Description": article.description[:ARTICLE_DESCRIPTION_MAX],
            "EAN": article.ean,
            "Type": "SERVICE" if article.service else "STOCK",
        }
        check_lengths(payload, ARTICLE_LIMITS, "Article")
        return payload

    def find_article(self, article_number: str) -> str | None:
        """The article number if the article exists (how a lost create or a shared SKU is found)."""
        return article_number if self.client.get_or_none(f"articles/{article_number}") is not None else None

    def create_article(self, article: Article) -> PushResult:
        self.check_article_number(article.article_number)
        body = self.client.post("articles", {"Article": self.article_payload(article)})
        self._articles[article.article_number] = True
        return PushResult(str(body["Article"]["ArticleNumber"]), True, body["Article"])

    def update_article(self, article_number: str, article: Article) -> PushResult:
        """A partial PUT: fields we do not own (accounts, purchase price …) stay as the shop set them."""
        payload = self.article_payload(article)
        del payload["ArticleNumber"]  # cannot change after creation (fortnox.md §5.4)
        body = self.client.put(f"articles/{article_number}", {"Article": payload})
        return PushResult(article_number, False, body["Article"])

    # --- stock --------------------------------------------------------------------------------

    def stock_levels(self, since: datetime | None = None) -> list[StockLevel]:
        """Stock of every article, or of those changed since `since` (without the warehouse module,
        `QuantityInStock` is the stock; fortnox.md §5.5)."""
        params = {"lastmodified": last_modified_param(since)} if since else {}
        return [self._stock_level(item) for item in self.client.list_all("articles", "Articles", **params)]

    def stock_level(self, article_number: str) -> StockLevel | None:
        body = self.client.get_or_none(f"articles/{article_number}")
        return self._stock_level(body["Article"]) if body else None

    @staticmethod
    def _stock_level(item: dict) -> StockLevel:
        return StockLevel(
            article_number=str(item["ArticleNumber"]), quantity=_quantity(item.get("QuantityInStock")),
            ean=str(item.get("EAN") or ""), description=str(item.get("Description") or ""),
        )
