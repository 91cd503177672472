"""The engine's tables: who (organizations, partners), what (connections, integrations, flows),
what happened (runs, records, record links, webhook events), and what needs attention (alerts).

Invariants that protect the books are database constraints, not Python checks: one record link
per source object, one running run per flow, one open alert per subject.
"""

from .alerts import Alert
from .concurrency import ConcurrencyLease
from .core import Connection, Flow, Integration, Membership, Organization, Partner
from .partner_api import ApiKey, IdempotentRequest, OAuthStart, PartnerWebhook, PartnerWebhookDelivery
from .ratelimit import RateLimitWindow
from .reports import ReconciliationReport
from .runs import RecordLink, SyncRecord, SyncRun, WebhookEvent, WebhookRefusal

__all__ = [
    "Alert", "ApiKey", "ConcurrencyLease", "Connection", "Flow", "IdempotentRequest", "Integration", "Membership",
    "OAuthStart", "Organization", "Partner", "PartnerWebhook", "PartnerWebhookDelivery", "RateLimitWindow",
    "ReconciliationReport", "RecordLink", "SyncRecord", "SyncRun", "WebhookEvent", "WebhookRefusal",
]
