"""Small wording helpers of the shop owners' pages."""

from django import template

from integrations.domain.money import percent_text

register = template.Library()


@register.filter
def object_label(object_type: str) -> str:
    """A sync record's object type as people say it: credit_invoice -> Credit invoice."""
    return str(object_type or "").replace("_", " ").capitalize()


@register.filter
def number(value) -> str:
    """A quantity or a VAT rate as people write it: 10, 5.5, 25 — never 1E+1 or 25.00."""
    return percent_text(value) if value not in (None, "") else ""
