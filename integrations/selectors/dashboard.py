"""The console's dashboard: every integration's health at a glance, in a fixed number of queries.

Each figure is one grouped query over all integrations (never one query per integration), so the
page costs the same with 3 shops or 3,000.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, F, Max, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import Alert, Connection, Flow, Integration, SyncRecord, SyncRun
from ..models.runs import beat_within_stale_window

GOOD_RUNS = (SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL)


@dataclass
class FlowHealth:
    flow: Flow
    last_success: object = None
    running: SyncRun | None = None


@dataclass
class IntegrationHealth:
    integration: Integration
    flows: list[FlowHealth] = field(default_factory=list)
    open_failures: int = 0
    failures_24h: int = 0
    open_alerts: int = 0

    @property
    def connections_healthy(self) -> bool:
        return all(c.health == Connection.Health.HEALTHY for c in (self.integration.source, self.integration.target))

    @property
    def problems(self) -> list[str]:
        """What needs a look, worst first; empty: all is well."""
        found = []
        for connection in (self.integration.source, self.integration.target):
            if connection.health == Connection.Health.UNHEALTHY:
                found.append(f"{connection.name} is unhealthy")
        if self.open_alerts:
            found.append(f"{self.open_alerts} open alert(s)")
        if self.open_failures:
            found.append(f"{self.open_failures} open failure(s)")
        if self.integration.status == Integration.Status.PAUSED:
            found.append("paused")
        return found


def integration_health(now=None) -> list[IntegrationHealth]:
    """Every integration with its flows' last successful sync, failures and alerts; problems first."""
    now = now or timezone.now()
    integrations = Integration.objects.select_related("organization", "source", "target")
    rows = {i.pk: IntegrationHealth(i) for i in integrations}
    last_success = dict(SyncRun.objects.filter(status__in=GOOD_RUNS).order_by().values("flow")
                        .annotate(last=Max("finished_at")).values_list("flow", "last"))
    running = {run.flow_id: run for run in SyncRun.objects.running()}
    for flow in Flow.objects.order_by("integration", "kind"):
        if flow.integration_id in rows:
            flow.integration = rows[flow.integration_id].integration
            rows[flow.integration_id].flows.append(FlowHealth(flow, last_success.get(flow.pk), running.get(flow.pk)))
    for integration_id, count in _count_by_integration(SyncRecord.objects.open_failures()):
        rows[integration_id].open_failures = count
    recent = SyncRecord.objects.filter(status=SyncRecord.Status.FAILED, created_at__gte=now - timedelta(hours=24))
    for integration_id, count in _count_by_integration(recent):
        rows[integration_id].failures_24h = count
    for integration_id, count in _count_by_integration(Alert.objects.filter(resolved_at__isnull=True,
                                                                            integration__isnull=False)):
        rows[integration_id].open_alerts = count
    return sorted(rows.values(), key=lambda row: (not row.problems, row.integration.organization.name,
                                                  row.integration.name))


def _count_by_integration(queryset):
    return queryset.order_by().values("integration").annotate(n=Count("id")).values_list("integration", "n")


def daily_records(days: int = 30, now=None) -> list[dict]:
    """Records synced (created or updated) and failed per day over the last `days` days, from the
    runs' totals (one grouped query over runs, not a scan of the sync log)."""
    today = timezone.localdate(now or timezone.now())
    start = today - timedelta(days=days - 1)
    totals = {
        row["day"]: row
        for row in SyncRun.objects.filter(started_at__date__gte=start).order_by()
        .annotate(day=TruncDate("started_at")).values("day")
        .annotate(synced=Sum(F("created") + F("updated")), failed=Sum("failed"))
    }
    return [{"day": day, "synced": (totals.get(day) or {}).get("synced") or 0,
             "failed": (totals.get(day) or {}).get("failed") or 0}
            for day in (start + timedelta(days=n) for n in range(days))]


def run_counts() -> dict:
    """Runs going on now, and those whose worker stopped beating (their flow resumes on the next run)."""
    return SyncRun.objects.running().aggregate(
        running=Count("id"), stale=Count("id", filter=~beat_within_stale_window()), last_heartbeat=Max("heartbeat_at"),
    )
