"""Retention: the engine's logs are bounded, table by table, on a schedule.

Each table has its own setting (days; 0 keeps it forever) and its own rule for what may go:

- Request/response bodies of sync records, and the source record kept with them, are the bulk of
  the database and carry customers' personal data. Past RETENTION_BODIES_DAYS they are cleared (set
  null) and the record is marked `bodies_purged_at`, so whoever reads it later knows they existed
  and why they are gone. The record itself (status, ids, error code, message) stays until RETENTION_RECORDS_DAYS.
- An open failure (the latest attempt of a record, failed) is someone's to-do: it keeps its
  bodies and is never deleted, and its run stays with it. A run goes past RETENTION_RUNS_DAYS once
  no record of it is left.
- Record links are never purged: they are the exactly-once guard, and an old shipment whose link
  was gone could be invoiced again.
- Webhook events still waiting to be processed are never purged; handled ones go by arrival.
- Alerts go by when they were resolved (open ones stay); reconciliation reports by their day.
- The partner API's remembered answers to Idempotency-Key requests go a day after they were given
  (RETENTION_IDEMPOTENCY_KEYS_DAYS): a client's retries come within minutes, and a key seen again
  after that is a new request.
- Deliveries of partner webhooks go by when they were made (RETENTION_PARTNER_DELIVERIES_DAYS), but
  one still pending (its retries not done) stays: the delivery log is the partner's evidence.
- django-q2's task results: `tasks.py` adds that rule (only it speaks django-q2).

Every rule clears or deletes at most RETENTION_BATCH_SIZE rows per statement, each batch its own
short transaction, so a purge never holds a long lock while web requests and workers write. It is
idempotent (a second pass finds nothing more) and stops between batches when its time budget is
spent; the next pass goes on where it stopped.
"""

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import (
    Alert,
    IdempotentRequest,
    PartnerWebhookDelivery,
    ReconciliationReport,
    SyncRecord,
    SyncRun,
    WebhookEvent,
)
from .queue import task_results
from .retries import open_failures

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """One table's retention: the rows past `cutoff` that may go, and whether they go or are cleared.

    `select(cutoff, now)` gives the rows; `clear(now)`, when set, gives the fields to update instead
    of deleting (the rows must then stop matching `select`, or a pass would never end).
    """

    table: str
    setting: str
    select: Callable[[datetime, datetime], QuerySet]
    clear: Callable[[datetime], dict] | None = None

    @property
    def days(self) -> int:
        return days_setting(self.setting)


@dataclass
class PurgeReport:
    """What a pass purged (or, on a dry run, would purge), per table."""

    counts: dict[str, int] = field(default_factory=dict)
    unfinished: list[str] = field(default_factory=list)
    kept_forever: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __str__(self) -> str:
        verb = "would purge" if self.dry_run else "purged"
        text = f"retention {verb}: " + ", ".join(f"{table} {count}" for table, count in self.counts.items())
        if self.kept_forever:
            text += f"; kept forever (0 days): {', '.join(self.kept_forever)}"
        if self.unfinished:
            text += f"; time budget spent in: {', '.join(self.unfinished)} (the next pass goes on)"
        return text


def days_setting(name: str) -> int:
    days = getattr(settings, name)
    if not isinstance(days, int) or days < 0:
        raise ImproperlyConfigured(f"{name} must be a whole number of days, 0 or more (0 keeps forever); got {days!r}.")
    return days


def batch_size() -> int:
    size = settings.RETENTION_BATCH_SIZE
    if not isinstance(size, int) or size < 1:
        raise ImproperlyConfigured(f"RETENTION_BATCH_SIZE must be 1 or more; got {size!r}.")
    return size


# --- the rules --------------------------------------------------------------------------------


def _not_open_failure() -> Q:
    return ~Q(pk__in=open_failures().values("pk"))


def _bodies(cutoff: datetime, now: datetime) -> QuerySet:
    return (SyncRecord.objects.filter(created_at__lt=cutoff, bodies_purged_at__isnull=True)
            .filter(Q(request__isnull=False) | Q(response__isnull=False) | Q(source__isnull=False))
            .filter(_not_open_failure()))


def _clear_bodies(now: datetime) -> dict:
    return {"request": None, "response": None, "source": None, "bodies_purged_at": now}


def _records(cutoff: datetime, now: datetime) -> QuerySet:
    return SyncRecord.objects.filter(created_at__lt=cutoff).filter(_not_open_failure())


def _runs(cutoff: datetime, now: datetime) -> QuerySet:
    """Finished runs past the cutoff none of whose records stays: one that stays keeps its run."""
    records_days = days_setting("RETENTION_RECORDS_DAYS")
    staying = SyncRecord.objects.filter(run=OuterRef("pk"))
    if records_days:
        staying = staying.filter(Q(created_at__gte=now - timedelta(days=records_days)) | ~_not_open_failure())
    return (SyncRun.objects.filter(started_at__lt=cutoff).exclude(status=SyncRun.Status.RUNNING)
            .exclude(Exists(staying)))


def _webhook_events(cutoff: datetime, now: datetime) -> QuerySet:
    return WebhookEvent.objects.filter(received_at__lt=cutoff).exclude(status=WebhookEvent.Status.RECEIVED)


def _alerts(cutoff: datetime, now: datetime) -> QuerySet:
    return Alert.objects.filter(resolved_at__lt=cutoff)


def _reports(cutoff: datetime, now: datetime) -> QuerySet:
    return ReconciliationReport.objects.filter(day__lt=timezone.localdate(cutoff))


def _idempotent_requests(cutoff: datetime, now: datetime) -> QuerySet:
    return IdempotentRequest.objects.filter(created_at__lt=cutoff)


def _partner_deliveries(cutoff: datetime, now: datetime) -> QuerySet:
    return PartnerWebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(
        status=PartnerWebhookDelivery.Status.PENDING)


def _task_results(cutoff: datetime, now: datetime) -> QuerySet:
    """django-q2's stored results (successes and failures), by when the task stopped."""
    return task_results(cutoff)


def _login_logs(cutoff: datetime, now: datetime) -> QuerySet:
    """Admin login attempts kept by django-axes (user names, addresses and browsers: personal data)."""
    return AccessLog.objects.filter(attempt_time__lt=cutoff)


def _login_failures(cutoff: datetime, now: datetime) -> QuerySet:
    return AccessFailureLog.objects.filter(attempt_time__lt=cutoff)


def engine_rules() -> list[Rule]:
    """The engine's tables, in the order they are purged (records before the runs they keep)."""
    return [
        Rule("record bodies", "RETENTION_BODIES_DAYS", _bodies, clear=_clear_bodies),
        Rule("sync records", "RETENTION_RECORDS_DAYS", _records),
        Rule("sync runs", "RETENTION_RUNS_DAYS", _runs),
        Rule("webhook events", "RETENTION_WEBHOOK_EVENTS_DAYS", _webhook_events),
        Rule("resolved alerts", "RETENTION_ALERTS_DAYS", _alerts),
        Rule("reconciliation reports", "RETENTION_REPORTS_DAYS", _reports),
        Rule("idempotency keys", "RETENTION_IDEMPOTENCY_KEYS_DAYS", _idempotent_requests),
        Rule("partner webhook deliveries", "RETENTION_PARTNER_DELIVERIES_DAYS", _partner_deliveries),
        Rule("task results", "RETENTION_TASK_RESULTS_DAYS", _task_results),
        Rule("login log", "RETENTION_LOGIN_LOG_DAYS", _login_logs),
        Rule("failed login log", "RETENTION_LOGIN_LOG_DAYS", _login_failures),
    ]


# --- purging ------------------------------------------------------------------------------------


def purge(*, extra: Iterable[Rule] = (), dry_run: bool = False, budget_seconds: float | None = None,
          now: datetime | None = None) -> PurgeReport:
    """Apply every rule once: the engine's and `extra` ones. A dry run only counts.

    `budget_seconds` bounds the pass (checked between batches): a scheduled task stays well under
    its timeout, and what is left is purged by the next pass.
    """
    now = now or timezone.now()
    size = batch_size()
    rules = [(rule, rule.days) for rule in [*engine_rules(), *extra]]  # every setting checked before any purge
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    report = PurgeReport(dry_run=dry_run)
    for rule, days in rules:
        if not days:
            report.kept_forever.append(rule.table)
            continue
        rows = rule.select(now - timedelta(days=days), now)
        if dry_run:
            report.counts[rule.table] = rows.count()
            continue
        report.counts[rule.table], finished = _in_batches(rule, rows, size, deadline, now)
        if not finished:
            report.unfinished.append(rule.table)
            break
    logger.info("%s", report)
    return report


def _in_batches(rule: Rule, rows: QuerySet, size: int, deadline: float | None, now: datetime) -> tuple[int, bool]:
    """Clear or delete `rows` a batch at a time. Returns (rows done, whether none is left)."""
    done = 0
    while deadline is None or time.monotonic() < deadline:
        pks = list(rows.order_by("pk").values_list("pk", flat=True)[:size])
        if not pks:
            return done, True
        batch = rows.filter(pk__in=pks)  # the rule again: a row that changed since is left alone
        if rule.clear is not None:
            count = batch.update(**rule.clear(now))
        else:
            count = batch.delete()[1].get(rows.model._meta.label, 0)
        if not count:  # every row of the batch changed since it was selected: the next pass looks again
            logger.warning("retention: %d %s changed while being purged; left for the next pass", len(pks), rule.table)
            return done, True
        done += count
    return done, False
