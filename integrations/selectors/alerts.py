"""Alerts read for pages: a shop's own, whatever they are about (a flow, an integration or a connection)."""

from django.db.models import F, Q

from ..models import Alert


def alerts_of_organization(organization):
    """A shop's alerts, open ones first, then the latest. A connection's alert names no integration,
    so the shop is found through whichever subject the alert has."""
    mine = (Q(integration__organization=organization) | Q(connection__organization=organization)
            | Q(flow__integration__organization=organization))
    return (Alert.objects.filter(mine).select_related("integration", "connection", "flow", "resolved_by")
            .order_by(F("resolved_at").desc(nulls_first=True), "-last_seen_at"))
