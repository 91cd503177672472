"""Centra catalog -> domain documents: one product size becomes one article.

The article number is the size's SKU (Centra derives it from product + variant + size numbers);
the description names the product, variant and size so a bookkeeper can tell sizes apart (the
ERP adapter cuts it to what its ERP accepts).
"""

from decimal import Decimal

from integrations.domain.documents import Article
from integrations.domain.money import round_money

from .transforms import text


def article_description(product: dict, variant: dict, size: dict) -> str:
    parts = [text(product.get("name")), text(variant.get("name")), text(size.get("description"))]
    return " ".join(part.strip() for part in parts if part and part.strip())


def article_from_size(product: dict, variant: dict, size: dict, *, service: bool = False,
                      sales_price: Decimal | None = None) -> Article:
    return Article(
        source_id=text(size.get("id")),
        article_number=text(size.get("SKU")).strip(),
        description=article_description(product, variant, size) or text(size.get("SKU")),
        ean=text(size.get("EAN")).strip(),
        service=service,
        sales_price=round_money(sales_price) if sales_price is not None else None,
    )
