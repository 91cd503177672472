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
