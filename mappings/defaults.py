"""Bookkeeping defaults read from the ERP where its API offers them (Fortnox predefined accounts)."""

from integrations.connections import erp_for
from integrations.domain.errors import SyncError

from .services import bookkeeping_for

# Bookkeeping field <- Fortnox predefined account name (fortnox.md §5.10).
PREDEFINED = {
    "sales_account_25": "SALES_25_SE",
    "sales_account_12": "SALES_12_SE",
    "sales_account_6": "SALES_6_SE",
    "sales_account_0": "SALES_0_SE",
    "eu_reverse_charge_account": "SALESEUREV",
    "eu_vat_account": "SALESEUVAT",
    "export_account": "SALESEXPORT",
    "freight_account": "FREIGHT",
    "return_fee_account": "ADMFEE",
}


def read_defaults_from_fortnox(integration) -> dict[str, int]:
    """Fill the bookkeeping settings from the tenant's predefined accounts; returns what changed."""
    erp = erp_for(integration.target)
    answer = erp.client.get("predefinedaccounts")
    accounts = {item.get("Name"): item.get("Account") for item in answer.get("PreDefinedAccounts") or []}
    bookkeeping = bookkeeping_for(integration)
    changed = {}
    for field, name in PREDEFINED.items():
        value = accounts.get(name)
        if value in (None, "", 0):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise SyncError("bad_response", f"Fortnox predefined account {name} is {value!r}.") from exc
        if getattr(bookkeeping, field) != number:
            setattr(bookkeeping, field, number)
            changed[field] = number
    if changed:
        bookkeeping.save()
    return changed
