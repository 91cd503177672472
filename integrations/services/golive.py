"""Going live: from a tested draft to scheduled syncs, with nothing before the exclusion date.

The wizard's last step and the partner API's "go live" call this one function.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from mappings.services import unmapped_required

from .. import audit
from ..connections import check_connection
from ..flows.cursors import CentraCursor
from ..models import Flow, Integration
from ..queue import enqueue_first_sync, ensure_schedules

CENTRA_SOURCED = (Flow.Kind.ORDERS, Flow.Kind.REFUNDS, Flow.Kind.CUSTOMERS)


class GoLiveRefused(ValueError):
    """What stands in the way, one line per problem, each saying what to fix."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class WentLive:
    integration: Integration
    flows: list[str]


def problems(integration: Integration) -> list[str]:
    """Why `integration` cannot go live yet (empty: it can)."""
    found = []
    flows = list(integration.flows.filter(enabled=True))
    if not flows:
        found.append("No flow is enabled: choose at least one flow.")
    for flow in flows:
        missing = unmapped_required(integration, flow.kind)
        if missing:
            found.append(f"The {flow.kind} flow needs these fields mapped: {', '.join(missing)}.")
    for connection in (integration.source, integration.target):
        healthy, message = check_connection(connection)
        if not healthy:
            found.append(f"{connection} does not answer as it should: {message}")
    return found


def go_live(integration: Integration, *, sync_from: datetime | None = None, backfill_from: datetime | None = None,
            user=None) -> WentLive:
    """Switch `integration` to live: orders placed before `sync_from` are never synced; the flows
    start reading from `backfill_from` (else from now: only what happens from here on), their
    schedules run, and a first sync of every enabled flow is queued in dependency order."""
    found = problems(integration)
    if backfill_from and backfill_from > timezone.now():
        found.append("A backfill starts in the past.")
    if found:
        raise GoLiveRefused(found)
    start = (backfill_from or timezone.now()).isoformat(timespec="seconds")
    with transaction.atomic():
        Integration.objects.filter(pk=integration.pk).update(status=Integration.Status.LIVE, sync_from=sync_from)
        integration.status, integration.sync_from = Integration.Status.LIVE, sync_from
        for flow in integration.flows.filter(enabled=True, kind__in=CENTRA_SOURCED):
            flow.cursor = CentraCursor(since=start).dump()
            flow.save(update_fields=["cursor"])
        transaction.on_commit(ensure_schedules)
        kinds = [flow.kind for flow in integration.flows.filter(enabled=True)]
        transaction.on_commit(lambda: enqueue_first_sync(integration))
    audit.record(user, [integration], (
        f"Went live: flows {', '.join(kinds)}; nothing placed before "
        f"{sync_from:%Y-%m-%d} is synced" if sync_from else f"Went live: flows {', '.join(kinds)}"
    ) + (f"; backfill from {backfill_from:%Y-%m-%d}." if backfill_from else "."))
    return WentLive(integration, kinds)
