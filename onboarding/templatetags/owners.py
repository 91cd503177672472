"""Small wording helpers of the shop owners' pages."""

from django import template

register = template.Library()


@register.filter
def object_label(object_type: str) -> str:
    """A sync record's object type as people say it: credit_invoice -> Credit invoice."""
    return str(object_type or "").replace("_", " ").capitalize()
