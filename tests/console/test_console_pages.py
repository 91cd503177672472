"""The console's pages cost the same number of queries with 2 or 12 shops and a few or many records,
find records by the numbers people know, and act only after a confirmation."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from integrations.models import Alert, Flow, SyncRecord, SyncRun
from integrations.selectors.dashboard import integration_health
from tests import factories

pytestmark = pytest.mark.django_db


def shop(n: int, records: int = 3):
    """A live integration with an orders run holding `records` records, the first one failed."""
    org = factories.organization(f"shop{n}")
    integration = factories.integration(factories.centra_connection(org), factories.fortnox_connection(org),
                                        slug=f"shop{n}")
    flow = integration.flows.get(kind=Flow.Kind.ORDERS)
    run = SyncRun.objects.create(flow=flow, trigger="schedule", status=SyncRun.Status.PARTIAL,
                                 finished_at=timezone.now(), created=records - 1, failed=1)
    for i in range(records):
        SyncRecord.objects.create(
            run=run, integration=integration, object_type="invoice", source_id=f"{n}{i}",
            source_ref=f"{n}000{i}-1", order_number=f"{n}000{i}", customer_email=f"buyer{n}{i}@example.com",
            status="failed" if i == 0 else "created", error_code="unknown_sku" if i == 0 else "",
            target_id="" if i == 0 else f"{n}{i}77", request=[{"method": "POST", "url": "/3/invoices",
                                                                "body": {"access_token": "secret-token-value"}}])
    Alert.objects.create(kind=Alert.Kind.RUN_FAILED, subject=f"run-{n}", title=f"Run of shop{n} failed",
                         message="It failed.", integration=integration)
    return integration


def queries_for(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response


@pytest.mark.parametrize("url", ["/admin/", "/admin/integrations/openfailure/", "/admin/integrations/syncrecord/",
                                 "/admin/integrations/syncrecord/?q=10000", "/admin/integrations/syncrun/",
                                 "/admin/integrations/alert/?state=open", "/admin/integrations/integration/"])
def test_pages_cost_the_same_queries_with_many_integrations_and_records(admin_client, django_assert_max_num_queries,
                                                                        url):
    shop(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    for n in range(2, 14):
        shop(n, records=8)
    queries_for(admin_client, url, django_assert_max_num_queries, len(few.captured_queries))


def test_dashboard_puts_integrations_with_problems_first():
    quiet, troubled = shop(1), shop(2)
    SyncRecord.objects.filter(integration=quiet).update(status="created", error_code="")
    Alert.objects.filter(integration=quiet).update(resolved_at=timezone.now())
    rows = integration_health()
    assert [row.integration for row in rows] == [troubled, quiet]
    assert rows[0].open_failures == 1
    assert rows[0].open_alerts == 1
    assert rows[1].problems == []


@pytest.mark.parametrize("term", ["10000", "10000-1", "#10000", "BUYER10@example.com", "1177"])
def test_the_sync_log_finds_records_by_the_numbers_people_know(admin_client, term):
    shop(1)
    shop(2)
    page = admin_client.get("/admin/integrations/syncrecord/", {"q": term}).content.decode()
    expected = {"10000": "10000-1", "10000-1": "10000-1", "#10000": "10000-1", "BUYER10@example.com": "10000-1",
                "1177": "10001-1"}[term]
    assert expected in page
    assert "20000-1" not in page


def test_an_e_mail_finds_the_customers_invoices_too(admin_client):
    shop(1)
    page = admin_client.get("/admin/integrations/syncrecord/", {"q": "buyer11@example.com"}).content.decode()
    assert "10001-1" in page
    assert "10002-1" not in page


def test_runs_and_records_cannot_be_deleted_or_edited_from_the_console(admin_client):
    integration = shop(1)
    record = integration.records.first()
    for url in [f"/admin/integrations/syncrecord/{record.pk}/delete/",
                f"/admin/integrations/syncrun/{record.run_id}/delete/"]:
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert SyncRecord.objects.filter(pk=record.pk).exists()
    listing = admin_client.get("/admin/integrations/syncrecord/").content.decode()
    assert "delete_selected" not in listing


def test_the_record_page_gives_the_advice_first_and_never_shows_a_secret(admin_client):
    record = SyncRecord.objects.open_failures().get(integration=shop(1))
    page = admin_client.get(f"/admin/integrations/syncrecord/{record.pk}/change/").content.decode()
    assert page.index("What to do") < page.index("What we sent")
    assert "Create the article in the ERP" in page
    assert "secret-token-value" not in page
    assert "[redacted]" in page


def test_resolving_asks_for_a_reason_and_keeps_the_failure_in_the_history(admin_client, admin_user):
    record = SyncRecord.objects.open_failures().get(integration=shop(1))
    url = f"/admin/integrations/syncrecord/{record.pk}/resolve/"
    refused = admin_client.post(url, {"resolution": "ignored", "reason": " "})
    assert "This field is required" in refused.content.decode()
    assert SyncRecord.objects.open_failures().filter(pk=record.pk).exists()

    admin_client.post(url, {"resolution": "ignored", "reason": "Test order, never to be invoiced"})
    record.refresh_from_db()
    assert (record.resolution, record.resolution_note, record.resolved_by) == (
        "ignored", "Test order, never to be invoiced", admin_user)
    assert "ignored: Test order" in LogEntry.objects.filter(user=admin_user).latest("action_time").change_message
    assert "Test order, never to be invoiced" in admin_client.get(
        f"/admin/integrations/syncrecord/{record.pk}/change/").content.decode()


def test_bulk_retry_confirms_the_count_before_it_queues(admin_client, monkeypatch):
    queued = []
    monkeypatch.setattr("integrations.retries.enqueue_flow", lambda flow, trigger: queued.append(flow.pk))
    integration = shop(1)
    record = SyncRecord.objects.open_failures().get(integration=integration)
    ask = admin_client.post("/admin/integrations/openfailure/", {"action": "retry_selected",
                                                                 "_selected_action": [record.pk], "index": 0})
    assert "Retry 1 open failure(s)?" in ask.content.decode()
    assert queued == []
    admin_client.post("/admin/integrations/openfailure/", {"action": "retry_selected", "_selected_action": [record.pk],
                                                           "confirm": "yes"})
    assert queued == [record.run.flow_id]


def test_the_failures_view_groups_by_error_code_with_the_advice(admin_client):
    shop(1)
    shop(2)
    page = admin_client.get("/admin/integrations/openfailure/").content.decode()
    assert 'id="failure-groups"' in page
    assert "unknown_sku" in page
    assert "Create the article in the ERP" in page


def test_the_age_filter_keeps_failures_open_for_that_long(admin_client):
    old = SyncRecord.objects.open_failures().get(integration=shop(1))
    SyncRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    shop(2)
    page = admin_client.get("/admin/integrations/openfailure/", {"age": "old"}).content.decode()
    assert "10000-1" in page
    assert "20000-1" not in page


def test_a_bad_filter_or_id_never_answers_500(admin_client):
    shop(1)
    for url in ["/admin/integrations/syncrecord/?organization=abc", "/admin/integrations/openfailure/?age=nonsense",
                "/admin/integrations/syncrecord/?created_at_from=notadate", "/admin/integrations/syncrecord/x/change/",
                "/admin/integrations/syncrecord/99999/change/", "/admin/integrations/flow/99999/progress/"]:
        assert admin_client.get(url).status_code in (200, 302, 404), url


@pytest.mark.parametrize("path", [
    "/admin/integrations/syncrecord/²/change/", "/admin/integrations/syncrecord/99999999999999999999/change/",
    "/admin/integrations/syncrecord/?organization=²",
    "/admin/integrations/syncrecord/?organization=99999999999999999999",
])
def test_odd_ids_in_console_urls_are_not_found_never_a_failure(admin_client, path):
    assert admin_client.get(path, follow=True).status_code == 200  # the list, with "not found" or unfiltered
