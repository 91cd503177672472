"""Retention keeps every table bounded without losing anything someone still has to act on."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Schedule, Task

from integrations import queue, retention, tasks
from integrations.alerts import open_alert, resolve
from integrations.models import (
    Alert,
    Partner,
    PartnerWebhook,
    PartnerWebhookDelivery,
    ReconciliationReport,
    RecordLink,
    SyncRecord,
    SyncRun,
    WebhookEvent,
)
from tests import factories

pytestmark = pytest.mark.django_db

BODY = [{"method": "POST", "url": "https://api.fortnox.test/3/invoices", "body": {"Invoice": {"Total": 100}}}]
ANSWER = [{"status": 201, "body": {"Invoice": {"DocumentNumber": "1"}}}]
SOURCE = {"order": {"number": 10001, "billingAddress": {"email": "anna@example.com"}}, "shipment": {"id": 1}}


@pytest.fixture
def flow():
    integration = factories.integration(factories.centra_connection(), factories.fortnox_connection())
    return integration.flows.get()


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def run_of(flow, age_days: float = 0, status=SyncRun.Status.SUCCEEDED) -> SyncRun:
    run = SyncRun.objects.create(flow=flow, trigger=SyncRun.Trigger.SCHEDULE, status=status)
    SyncRun.objects.filter(pk=run.pk).update(started_at=days_ago(age_days))
    return run


def record(run, source_id: str, age_days: float = 0, status=SyncRecord.Status.CREATED, **fields) -> SyncRecord:
    row = SyncRecord.objects.create(
        run=run, integration=run.flow.integration, object_type="invoice", source_id=source_id, status=status,
        request=BODY, response=ANSWER, source=SOURCE, **fields,
    )
    SyncRecord.objects.filter(pk=row.pk).update(created_at=days_ago(age_days))
    return row


def fresh(row):
    return type(row).objects.filter(pk=row.pk).first()


def test_bodies_older_than_retention_are_cleared_but_open_failures_keep_theirs(flow, settings):
    settings.RETENTION_BODIES_DAYS = 30
    run = run_of(flow, 40)
    old = record(run, "1", 31)
    old_open_failure = record(run, "2", 31, status=SyncRecord.Status.FAILED, error_code="unknown_sku")
    old_superseded_failure = record(run, "3", 31, status=SyncRecord.Status.FAILED, superseded=True)
    recent = record(run, "4", 29)

    report = retention.purge()

    assert report.counts["record bodies"] == 2
    for cleared in (fresh(old), fresh(old_superseded_failure)):
        assert (cleared.request, cleared.response, cleared.source) == (None, None, None)
        assert cleared.bodies_purged_at is not None  # says why they are gone
        assert cleared.status
        assert cleared.source_id
    for kept in (fresh(old_open_failure), fresh(recent)):
        assert (kept.request, kept.response, kept.source, kept.bodies_purged_at) == (BODY, ANSWER, SOURCE, None)


def test_old_runs_and_records_are_deleted_in_batches_and_links_stay(flow, settings):
    settings.RETENTION_RECORDS_DAYS = 180
    settings.RETENTION_RUNS_DAYS = 180
    settings.RETENTION_BATCH_SIZE = 2
    old_run = run_of(flow, 200)
    old_records = [record(old_run, str(n), 200) for n in range(5)]
    links = [RecordLink.objects.create(integration=flow.integration, object_type="invoice", source_id=str(n),
                                       target_id=str(100 + n), claimed_by=old_run) for n in range(5)]
    recent_run = run_of(flow, 1)
    recent = record(recent_run, "9", 1)

    with CaptureQueriesContext(connection) as queries:
        report = retention.purge()

    assert report.counts["sync records"] == 5
    assert report.counts["sync runs"] == 1
    assert not SyncRecord.objects.filter(pk__in=[r.pk for r in old_records]).exists()
    assert not SyncRun.objects.filter(pk=old_run.pk).exists()
    assert fresh(recent)
    assert fresh(recent_run)
    batches = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith('DELETE FROM "integrations_syncrecord"') and "created_at" in q["sql"]]
    assert len(batches) == 3  # 2 + 2 + 1: no statement deletes more than a batch
    # Links are the exactly-once guard: every one stays, with its target, only the dead claim is let go.
    assert list(RecordLink.objects.order_by("source_id").values_list("source_id", "target_id", "claimed_by")) == [
        (str(link.source_id), str(link.target_id), None) for link in links
    ]


def test_an_open_failure_is_never_purged_and_keeps_its_run(flow, settings):
    settings.RETENTION_RECORDS_DAYS = 180
    settings.RETENTION_RUNS_DAYS = 180
    run = run_of(flow, 400, status=SyncRun.Status.PARTIAL)
    done = record(run, "1", 400)
    failure = record(run, "2", 400, status=SyncRecord.Status.FAILED, error_code="unknown_sku", dead=True)

    retention.purge()

    assert fresh(done) is None
    assert fresh(failure) is not None
    assert fresh(run) is not None

    SyncRecord.objects.filter(pk=failure.pk).update(superseded=True)  # a later attempt succeeded
    report = retention.purge()

    assert (report.counts["sync records"], report.counts["sync runs"]) == (1, 1)
    assert fresh(run) is None


def test_a_run_stays_while_a_record_younger_than_record_retention_does(flow, settings):
    settings.RETENTION_RECORDS_DAYS = 180
    settings.RETENTION_RUNS_DAYS = 30
    run = run_of(flow, 60)
    young = record(run, "1", 60)

    report = retention.purge()

    assert (report.counts["sync records"], report.counts["sync runs"]) == (0, 0)
    assert fresh(young)
    assert fresh(run)


def test_a_running_run_is_never_purged(flow, settings):
    settings.RETENTION_RUNS_DAYS = 30
    running = run_of(flow, 60, status=SyncRun.Status.RUNNING)

    assert retention.purge().counts["sync runs"] == 0
    assert fresh(running)


def event(integration, event_id: str, status, age_days: float) -> WebhookEvent:
    row = WebhookEvent.objects.create(integration=integration, event_id=event_id, object_type="shipment",
                                      object_id=event_id, action="create", status=status, signature_valid=True)
    WebhookEvent.objects.filter(pk=row.pk).update(received_at=days_ago(age_days))
    return row


def test_webhook_events_still_waiting_are_never_purged(flow, settings):
    settings.RETENTION_WEBHOOK_EVENTS_DAYS = 30
    integration = flow.integration
    waiting = event(integration, "a", WebhookEvent.Status.RECEIVED, 90)
    handled = [event(integration, f"b{n}", status, 31) for n, status in enumerate(
        [WebhookEvent.Status.PROCESSED, WebhookEvent.Status.FAILED, WebhookEvent.Status.REJECTED])]
    recent = event(integration, "c", WebhookEvent.Status.PROCESSED, 1)

    assert retention.purge().counts["webhook events"] == 3
    assert fresh(waiting)
    assert fresh(recent)
    assert not WebhookEvent.objects.filter(pk__in=[e.pk for e in handled]).exists()


def test_resolved_alerts_go_after_their_retention_and_open_ones_stay(flow, settings):
    settings.RETENTION_ALERTS_DAYS = 90
    old_open = open_alert(Alert.Kind.RUN_FAILED, "run-failed:1", "A run failed", "It failed.", flow=flow)
    Alert.objects.filter(pk=old_open.pk).update(opened_at=days_ago(400))
    resolved_long_ago = open_alert(Alert.Kind.RUN_FAILED, "run-failed:2", "A run failed", "It failed.", flow=flow)
    resolve("run-failed:2")
    Alert.objects.filter(pk=resolved_long_ago.pk).update(resolved_at=days_ago(91))
    resolved_lately = open_alert(Alert.Kind.RUN_FAILED, "run-failed:3", "A run failed", "It failed.", flow=flow)
    resolve("run-failed:3")

    assert retention.purge().counts["resolved alerts"] == 1
    assert fresh(old_open)
    assert fresh(resolved_lately)
    assert fresh(resolved_long_ago) is None


def test_reconciliation_reports_go_by_their_day(flow, settings):
    settings.RETENTION_REPORTS_DAYS = 400
    today = timezone.localdate()
    old = ReconciliationReport.objects.create(integration=flow.integration, day=today - timedelta(days=401))
    kept = ReconciliationReport.objects.create(integration=flow.integration, day=today - timedelta(days=399))

    assert retention.purge().counts["reconciliation reports"] == 1
    assert fresh(old) is None
    assert fresh(kept)


def test_partner_webhook_deliveries_go_after_their_days_but_a_pending_one_stays(settings):
    settings.RETENTION_PARTNER_DELIVERIES_DAYS = 30
    hook = PartnerWebhook.objects.create(partner=Partner.objects.create(name="Agency", slug="agency"),
                                         url="https://agency.example/hooks")

    def delivery(status, age_days):
        made = PartnerWebhookDelivery.objects.create(webhook=hook, event="run.failed", event_id=uuid.uuid4().hex,
                                                     payload={}, status=status)
        PartnerWebhookDelivery.objects.filter(pk=made.pk).update(created_at=days_ago(age_days))
        return made

    delivered, failed = delivery("delivered", 31), delivery("failed", 31)
    still_retrying, recent = delivery("pending", 31), delivery("delivered", 29)

    assert retention.purge().counts["partner webhook deliveries"] == 2
    assert fresh(delivered) is None
    assert fresh(failed) is None
    assert fresh(still_retrying)
    assert fresh(recent)


def task_result(age_days: float, success: bool = True) -> Task:
    stopped = days_ago(age_days)
    return Task.objects.create(id=uuid.uuid4().hex, name=f"task {age_days}", func="integrations.tasks.run_due_flows",
                               started=stopped, stopped=stopped, success=success)


def test_the_daily_task_purges_task_results_and_reports_counts_per_table(flow, settings, caplog):
    settings.RETENTION_TASK_RESULTS_DAYS = 30
    old_success, old_failure, recent = task_result(31), task_result(31, success=False), task_result(1)
    record(run_of(flow, 40), "1", 40)

    with caplog.at_level("INFO", logger="integrations.retention"):
        result = tasks.purge_expired_data()

    assert set(Task.objects.values_list("id", flat=True)) == {recent.id}
    assert {old_success.id, old_failure.id}.isdisjoint(Task.objects.values_list("id", flat=True))
    assert "record bodies 1" in result
    assert "task results 2" in result
    assert "sync records 0" in result
    assert result in caplog.text


def test_admin_login_logs_are_personal_data_and_kept_only_their_days(settings):
    from axes.models import AccessFailureLog, AccessLog

    settings.RETENTION_LOGIN_LOG_DAYS = 90
    old = AccessLog.objects.create(username="ops", ip_address="203.0.113.7", user_agent="x", path_info="/admin/")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=days_ago(91))
    recent = AccessLog.objects.create(username="ops", ip_address="203.0.113.7", user_agent="x", path_info="/admin/")
    failure = AccessFailureLog.objects.create(username="ops", ip_address="203.0.113.8", user_agent="x",
                                              path_info="/admin/", locked_out=False)
    AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=days_ago(120))

    report = retention.purge()

    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AccessFailureLog.objects.exists()
    assert (report.counts["login log"], report.counts["failed login log"]) == (1, 1)


def test_the_retention_schedule_is_registered_daily(settings):
    settings.RETENTION_CRON = "15 3 * * *"
    queue.ensure_schedules()
    queue.ensure_schedules()  # idempotent

    schedule = Schedule.objects.get(name=queue.RETENTION_SCHEDULE)
    assert (schedule.func, schedule.schedule_type, schedule.cron, schedule.repeats) == (
        "integrations.tasks.purge_expired_data", Schedule.CRON, "15 3 * * *", -1)


def test_a_second_pass_purges_nothing_more(flow):
    record(run_of(flow, 400), "1", 400)
    event(flow.integration, "a", WebhookEvent.Status.PROCESSED, 400)
    assert retention.purge().total > 0

    assert retention.purge().total == 0


def test_a_spent_time_budget_stops_between_batches_and_the_next_pass_goes_on(flow, settings):
    settings.RETENTION_BATCH_SIZE = 1
    run = run_of(flow, 40)
    rows = [record(run, str(n), 31) for n in range(3)]

    stopped = retention.purge(budget_seconds=0)

    assert stopped.unfinished == ["record bodies"]
    assert "time budget spent in: record bodies" in str(stopped)
    assert all(fresh(row).request == BODY for row in rows)
    assert retention.purge().counts["record bodies"] == 3


def test_zero_days_keeps_a_table_forever(flow, settings):
    settings.RETENTION_RECORDS_DAYS = 0
    settings.RETENTION_RUNS_DAYS = 0
    run = run_of(flow, 4000)
    old = record(run, "1", 4000)

    report = retention.purge()

    assert fresh(old)
    assert fresh(run)
    assert {"sync records", "sync runs"} <= set(report.kept_forever)


def test_a_negative_retention_is_refused_before_anything_is_purged(flow, settings):
    settings.RETENTION_TASK_RESULTS_DAYS = -1
    old = record(run_of(flow, 400), "1", 400)

    with pytest.raises(ImproperlyConfigured, match="RETENTION_TASK_RESULTS_DAYS"):
        tasks.purge_expired_data()

    assert fresh(old).request == BODY


def test_the_command_dry_run_counts_and_changes_nothing(flow, capsys):
    run = run_of(flow, 400)
    old = record(run, "1", 400)

    call_command("purge_expired_data", "--dry-run")

    output = capsys.readouterr().out
    assert "record bodies: 1" in output
    assert "sync records: 1" in output
    assert "sync runs: 1" in output
    assert "would purge" in output
    assert fresh(old).request == BODY
    assert fresh(run)

    call_command("purge_expired_data")
    assert fresh(old) is None
    assert fresh(run) is None
