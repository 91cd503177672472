"""The daily reconciliation report and its catch-up: what Centra shipped and refunded against the
ERP's invoices and credit invoices, one integration and one day per task (see `daily`)."""

from .daily import catch_up_flows, reconcile, requested_by
from .matching import FOR_ACCOUNTANT, NO_FLOW, QUEUED, document_dates, within_rounding
from .progress import LEASE, ClaimLost, ReconciliationBusy

__all__ = [
    "FOR_ACCOUNTANT", "LEASE", "NO_FLOW", "QUEUED", "ClaimLost", "ReconciliationBusy", "catch_up_flows",
    "document_dates", "reconcile", "requested_by", "within_rounding",
]
