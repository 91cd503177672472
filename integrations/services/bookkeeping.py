"""Bookkeeping settings filled from the ERP's own defaults, where its API offers them."""

from mappings.services import bookkeeping_for

from ..connections import erp_for


def read_bookkeeping_defaults(integration) -> dict[str, int]:
    """Fill the bookkeeping settings from the ERP's default accounts; returns what changed."""
    defaults = erp_for(integration.target).bookkeeping_defaults()
    bookkeeping = bookkeeping_for(integration)
    changed = {field: number for field, number in defaults.items() if getattr(bookkeeping, field) != number}
    if changed:
        for field, number in changed.items():
            setattr(bookkeeping, field, number)
        bookkeeping.save()
    return changed


def posting_group_choices(integration) -> dict[str, list[tuple[str, str]]]:
    """The company's VAT business and product posting groups (code, name), read live for the settings
    screens of an integration whose ERP books by posting groups (its descriptor says so)."""
    return erp_for(integration.target).posting_groups()
