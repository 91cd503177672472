"""The admin index as the operations dashboard: a thin view over `selectors.dashboard`."""

import json

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from ..queue import queue_status
from ..selectors.dashboard import daily_records, integration_health, run_counts
from .badges import badge, health_badge, status_badge


def _ago(moment) -> str:
    return f"{timesince(moment)} ago" if moment else "never"


def _flows_cell(row) -> str:
    lines = []
    for health in row.flows:
        flow = health.flow
        if health.running:
            state = format_html('<a href="{}">running</a>', reverse("admin:integrations_syncrun_change",
                                                                     args=[health.running.pk]))
        elif not flow.enabled:
            state = "off"
        else:
            state = _ago(health.last_success)
        lines.append((flow.kind, state))
    if not lines:
        return "no flows"
    return format_html('<div class="console-stack">{}</div>',
                       format_html_join("", '<div class="console-flow"><b>{}</b> {}</div>', lines))


def _integration_table(rows) -> dict:
    body = []
    for row in rows:
        integration = row.integration
        name = format_html('<a href="{}"><b>{}</b></a><div class="console-muted">{}</div>',
                           reverse("admin:integrations_integration_change", args=[integration.pk]),
                           integration.name, integration.organization.name)
        failures_url = reverse("admin:integrations_openfailure_changelist") + f"?integration={integration.pk}"
        failures = format_html('<a href="{}">{}</a>', failures_url, row.open_failures) if row.open_failures else "0"
        alerts_url = reverse("admin:integrations_alert_changelist") + f"?integration={integration.pk}"
        alerts = format_html('<a href="{}">{}</a>', alerts_url, row.open_alerts) if row.open_alerts else "0"
        connections = format_html('<div class="console-stack">{}{}</div>', health_badge(integration.source),
                                  health_badge(integration.target))
        problems = (badge(", ".join(row.problems), "danger") if row.problems else badge("all well", "success"))
        body.append([name, status_badge(integration.status), _flows_cell(row), failures, row.failures_24h,
                     connections, alerts, problems])
    return {"headers": ["Integration", "Status", "Last successful sync", "Open failures", "Failed 24 h",
                        "Connections", "Open alerts", "Needs a look"], "rows": body}


def _chart(days) -> str:
    return json.dumps({
        "labels": [day["day"].strftime("%d %b") for day in days],
        "datasets": [
            {"label": "Synced", "data": [day["synced"] for day in days], "backgroundColor": "#16a34a"},
            {"label": "Failed", "data": [day["failed"] for day in days], "backgroundColor": "#dc2626"},
        ],
    })


def dashboard_callback(request, context):
    """Unfold calls this for the admin index (settings.UNFOLD["DASHBOARD_CALLBACK"])."""
    rows = integration_health()
    days = daily_records(30)
    context.update({
        "title": "Dashboard",
        "health_rows": rows,
        "integration_table": _integration_table(rows),
        "kpis": {
            "integrations": len(rows),
            "with_problems": sum(1 for row in rows if row.problems),
            "open_failures": sum(row.open_failures for row in rows),
            "failures_24h": sum(row.failures_24h for row in rows),
            "open_alerts": sum(row.open_alerts for row in rows),
        },
        "chart": _chart(days),
        "chart_totals": {"synced": sum(d["synced"] for d in days), "failed": sum(d["failed"] for d in days)},
        "queue": queue_status(),
        "runs": run_counts(),
        "now": timezone.now(),
    })
    return context
