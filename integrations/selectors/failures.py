"""Open failures read for pages: how many, grouped by what went wrong, with the advice to fix it."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Min
from django.utils import timezone

from ..domain.errors import describe
from ..models import SyncRecord

AGES = {  # the console's age filter: how long a failure has been open
    "1d": ("Under a day", timedelta(days=0), timedelta(days=1)),
    "7d": ("1 to 7 days", timedelta(days=1), timedelta(days=7)),
    "old": ("Over 7 days", timedelta(days=7), None),
}


@dataclass(frozen=True)
class FailureGroup:
    error_code: str
    title: str
    advice: str
    retryable: bool
    count: int
    oldest: object


def open_failures():
    return SyncRecord.objects.open_failures()


def open_failure_count() -> int:
    return open_failures().count()


def within_age(queryset, age: str, now=None):
    """Failures open for the span `age` names (a key of AGES); an unknown key filters nothing."""
    if age not in AGES:
        return queryset
    now = now or timezone.now()
    _, younger, older = AGES[age]
    queryset = queryset.filter(created_at__lte=now - younger)
    return queryset.filter(created_at__gt=now - older) if older else queryset


def failure_groups(queryset=None) -> list[FailureGroup]:
    """One row per error code with its count, oldest failure and the catalog's advice (one query)."""
    rows = ((queryset if queryset is not None else open_failures()).order_by().values("error_code")
            .annotate(count=Count("id"), oldest=Min("created_at")).order_by("-count", "error_code"))
    groups = []
    for row in rows:
        entry = describe(row["error_code"])
        groups.append(FailureGroup(row["error_code"], entry.title, entry.advice, entry.retryable,
                                   row["count"], row["oldest"]))
    return groups


def advice(error_code: str) -> str:
    """What to do about a failure, in a sentence people can act on."""
    if not error_code:
        return ""
    entry = describe(error_code)
    then = "It is retried automatically." if entry.retryable else "Retry it once you have fixed that."
    return f"{entry.title}. {entry.advice} {then}"
