"""Reads of the shop owners' pages, scoped to one organization, in a constant number of queries."""

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404

from integrations.models import Alert, Connection, Flow, Integration, SyncRecord
from integrations.selectors.alerts import alerts_of_organization
from integrations.selectors.dashboard import GOOD_RUNS
from integrations.selectors.records import records_of_organization


def integrations_overview(organization) -> list[Integration]:
    """The organization's integrations with their flows, each flow's last successful sync (a run
    that completed, its failed records counted apart, as the console counts it) and its number of
    open failures (3 queries whatever the number of flows)."""
    open_failures = (SyncRecord.objects.open_failures().filter(run__flow=OuterRef("pk"))
                     .values("run__flow").annotate(n=Count("pk")).values("n"))
    flows = (Flow.objects.filter(integration__organization=organization)
             .annotate(last_success=Max("runs__finished_at", filter=Q(runs__status__in=GOOD_RUNS)),
                       open_failures=Subquery(open_failures))
             .order_by("integration_id", "kind"))
    integrations = list(Integration.objects.filter(organization=organization).select_related("source", "target"))
    by_integration = {}
    for flow in flows:
        by_integration.setdefault(flow.integration_id, []).append(flow)
    for integration in integrations:
        integration.flow_rows = by_integration.get(integration.pk, [])
        integration.connections = [integration.source, integration.target]
        integration.open_failures = sum(f.open_failures or 0 for f in integration.flow_rows)
    return integrations


# --- one object of the shop, by id: another organization's id is a 404, like one that does not exist ---

def own_integration(organization, pk) -> Integration:
    return get_object_or_404(Integration.objects.select_related("source", "target"), pk=pk, organization=organization)


def own_flow(organization, pk) -> Flow:
    return get_object_or_404(Flow.objects.select_related("integration"), pk=pk, integration__organization=organization)


def own_connection(organization, pk) -> Connection:
    return get_object_or_404(Connection, pk=pk, organization=organization)


def own_record(organization, pk) -> SyncRecord:
    return get_object_or_404(records_of_organization(organization).select_related(
        "integration__source", "integration__target", "run__flow", "resolved_by"), pk=pk)


def own_alert(organization, pk) -> Alert:
    return get_object_or_404(alerts_of_organization(organization), pk=pk)
