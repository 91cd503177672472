"""The audit trail: who changed what, and when.

Edits in the console are logged by Django's admin (LogEntry, with the names of the changed
fields — never secret values). Actions that are not edits (retrying records, pausing a flow,
rotating credentials from code) are logged here the same way, so one list answers "who did it".
"""

from django.contrib.admin.models import CHANGE, LogEntry


def record(user, objects, message: str) -> None:
    """Log `message` against each of `objects` for `user` (a no-op without a user: the system acted)."""
    if user is None or not getattr(user, "pk", None):
        return
    objects = list(objects)
    if objects:
        LogEntry.objects.log_actions(user.pk, objects, CHANGE, change_message=message, single_object=len(objects) == 1)
