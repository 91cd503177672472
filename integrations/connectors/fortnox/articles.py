"""Fortnox articles and the register look-ups invoices depend on (currencies)."""


class ArticlesMixin:
    def currencies(self) -> set[str]:
        if self._currencies is None:
            items = self.client.list_all("currencies", "Currencies")
            self._currencies = {str(item.get("Code", "")).upper() for item in items} | {"SEK"}
        return self._currencies

    def article_exists(self, article_number: str) -> bool:
        if article_number not in self._articles:
            self._articles[article_number] = self.client.get_or_none(f"articles/{article_number}") is not None
        return self._articles[article_number]

