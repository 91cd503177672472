"""The sync log read for pages: the one search people use, a date range, and one record's exchanges.

The console, the shop owners' area and the partner API search the same indexed columns the same
way, so a number that finds a record in one surface finds it in the others.
"""

import json
import re
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from ..connectors.http import Redactor
from ..models import RecordLink, SyncRecord

RETURN_REFERENCE = re.compile(r"^\s*(?:r|return)\s*#?\s*(\d+)\s*$", re.IGNORECASE)
SEARCH_HELP = ("Order number (10001), shipment number (10001-1), return id (R315), customer e-mail or "
               "ERP document number. Exact match.")


def search_records(queryset, term: str):
    """Exact matches on the indexed columns people know a record by: each lookup is an index seek,
    so a search costs the same on a million records. An e-mail finds the customer's invoices too."""
    term = term.strip().lstrip("#").strip()
    if not term:
        return queryset
    if "@" in term:
        return queryset.filter(customer_email=term.lower())
    if match := RETURN_REFERENCE.match(term):
        return queryset.filter(object_type="credit_invoice", source_id=match.group(1))
    return queryset.filter(Q(order_number=term) | Q(source_ref=term) | Q(target_id=term) | Q(source_id=term))


def within_days(queryset, first: date | None = None, last: date | None = None):
    """Records created from the start of `first` to the end of `last` (local days, both included);
    a range on the indexed timestamp itself, never a function of it."""
    zone = timezone.get_current_timezone()
    # The calendar's first and last days bound nothing (and cannot be moved to UTC or a day past them).
    if first and first > date.min + timedelta(days=1):
        queryset = queryset.filter(created_at__gte=datetime.combine(first, time.min, tzinfo=zone))
    if last and last < date.max - timedelta(days=1):
        queryset = queryset.filter(created_at__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone))
    return queryset


def records_of_organization(organization):
    """Every sync record of the shop's integrations (the only way the shop owners' area reads them)."""
    return SyncRecord.objects.filter(integration__organization=organization)


def history(record: SyncRecord, limit: int = 50):
    """Every attempt at the same source record, newest first (one query)."""
    return (SyncRecord.objects.filter(integration_id=record.integration_id, object_type=record.object_type,
                                      source_id=record.source_id).select_related("run")
            .order_by("-created_at", "-id")[:limit])


def link_of(record: SyncRecord) -> RecordLink | None:
    """The ERP document the source record is linked to, once one was created."""
    return RecordLink.objects.filter(integration_id=record.integration_id, object_type=record.object_type,
                                     source_id=record.source_id).first()


def _url_values(connection) -> dict:
    """What a descriptor's URL templates may use: the addresses and the non-secret credentials."""
    system = connection.system
    public = {name: value for name, value in (connection.credentials or {}).items()
              if name not in system.secret_credentials}
    return {**public, "base_url": connection.base_url, "auth_url": connection.auth_url or system.default_auth_url}


def document_links(record: SyncRecord) -> dict[str, str]:
    """The record's Centra order and ERP document in those systems' own web pages ("" when unknown),
    built from the connector descriptors: the console names no system itself."""
    integration = record.integration
    source, target = integration.source, integration.target
    return {
        "source": source.system.document_url("order", **{**_url_values(source), "number": record.order_number}),
        "erp": target.system.document_url(record.object_type,
                                           **{**_url_values(target), "number": record.target_id}),
    }


def source_text(record: SyncRecord) -> str:
    """The source record as the run fetched it, pretty-printed (redacted again, as the exchanges are)."""
    if record.source is None:
        return ""
    return json.dumps(Redactor()(record.source), indent=2, ensure_ascii=False, default=str)


def exchanges(record: SyncRecord) -> list[dict]:
    """Each exchange pretty-printed (secrets redacted again by key name, should any have slipped)."""
    redact = Redactor()
    sections = []
    requests = record.request if isinstance(record.request, list) else ([record.request] if record.request else [])
    responses = (record.response if isinstance(record.response, list)
                 else ([record.response] if record.response else []))
    for number in range(max(len(requests), len(responses))):
        sent = requests[number] if number < len(requests) else None
        got = responses[number] if number < len(responses) else None
        summary = sent.get("method", "") + " " + sent.get("url", "") if isinstance(sent, dict) else "Exchange"
        sections.append({
            "title": f"{number + 1}. {summary.strip() or 'Exchange'}",
            "status": got.get("status") if isinstance(got, dict) else "",
            "request": json.dumps(redact(sent), indent=2, ensure_ascii=False, default=str),
            "response": json.dumps(redact(got), indent=2, ensure_ascii=False, default=str),
        })
    return sections
