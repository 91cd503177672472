"""Alerts people close: resolved with a note saying what was done (kept with the alert)."""

from django.utils import timezone

from .. import audit
from ..models import Alert


def resolve_alerts(alerts, *, note: str, user=None) -> int:
    """Resolve the open ones among `alerts`, keeping `note`; returns how many were resolved. A
    problem that happens again opens a new alert."""
    note = (note or "").strip()
    if not note:
        raise ValueError("Say what was done about it: the note stays with the alert.")
    open_alerts = list(alerts.filter(resolved_at__isnull=True))
    resolved_by = user if getattr(user, "pk", None) else None
    count = Alert.objects.filter(pk__in=[a.pk for a in open_alerts], resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=resolved_by, resolution_note=note[:5000])
    audit.record(user, [a.integration or a.connection or a.flow for a in open_alerts
                        if a.integration or a.connection or a.flow],
                 f"Resolved {count} alert(s): {note}")
    return count
