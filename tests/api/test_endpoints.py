"""Each endpoint's success path, with a partner's read-write key: what it answers and what it changes.
(Endpoints that call Centra or Fortnox are in test_endpoints_live.py; the whole onboarding chain is
README's walk, test_readme_walk.py.)"""

import pytest
from django.core import mail
from django.utils import timezone

from integrations import queue
from integrations.models import Alert, Flow, Integration, ReconciliationReport, SyncRecord, SyncRun
from mappings.models import FieldMapping, OssAccount, ValueMapEntry
from tests import factories

pytestmark = pytest.mark.django_db
BASE = "/api/v1/integrations/ours"


def test_an_organization_is_renamed_and_an_owner_invited(agency, django_capture_on_commit_callbacks):
    api, _, ours = agency

    renamed = api.patch("/api/v1/organizations/ours/", {"name": "Ours AB"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):  # the invitation is mailed once committed
        invited = api.post("/api/v1/organizations/ours/invite/", {"email": "owner@ours.example"}, format="json")

    assert (renamed.status_code, renamed.json()["name"]) == (200, "Ours AB")
    assert invited.status_code == 200
    assert invited.json()["message"] == "Invited owner@ours.example as owner of Ours AB."
    assert [message.to for message in mail.outbox] == [["owner@ours.example"]]


def test_a_draft_integration_is_created_with_the_flows_asked_for_and_renamed(agency):
    api, _, ours = agency

    created = api.post("/api/v1/integrations/", {"organization": "ours", "name": "Second", "slug": "second",
                                                 "source": ours.source_id, "target": ours.target_id,
                                                 "flows": ["orders"]}, format="json")
    renamed = api.patch("/api/v1/integrations/second/", {"name": "Second store"}, format="json")

    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    assert [f["kind"] for f in created.json()["flows"] if f["enabled"]] == ["orders"]
    assert renamed.json()["name"] == Integration.objects.get(slug="second").name == "Second store"


def test_a_live_integration_is_paused_and_resumed(agency):
    api, _, ours = agency

    paused = api.post(f"{BASE}/pause/")
    status_while_paused = Integration.objects.get(pk=ours.pk).status
    resumed = api.post(f"{BASE}/resume/")

    assert paused.json() == {"message": "Paused Ours."}
    assert (status_while_paused, Integration.objects.get(pk=ours.pk).status) == ("paused", "live")
    assert resumed.json() == {"message": "Resumed Ours."}


def test_a_draft_cannot_be_exported_from_and_is_told_to_use_a_test_sync(agency):
    api, _, ours = agency
    Integration.objects.filter(pk=ours.pk).update(status=Integration.Status.DRAFT)

    answer = api.post(f"{BASE}/export/", {"reference": "10001-1"}, format="json")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "not_live"
    assert "test-sync/" in answer.json()["error"]["message"]


def test_a_flow_is_switched_off_and_on_against_its_etag(agency):
    api, _, ours = agency
    url = f"{BASE}/flows/orders/"

    off = api.patch(url, {"enabled": False}, format="json", HTTP_IF_MATCH=api.get(url).headers["ETag"])
    on = api.patch(url, {"enabled": True, "options": {"note": "x"}}, format="json", HTTP_IF_MATCH=off.headers["ETag"])

    assert (off.status_code, off.json()["enabled"]) == (200, False)
    assert (on.status_code, on.json()["enabled"], on.json()["options"]) == (200, True, {"note": "x"})
    assert Flow.objects.get(integration=ours, kind="orders").enabled is True


def test_run_now_queues_a_run_of_the_flow(agency, monkeypatch):
    api, _, ours = agency
    tasks = []  # what went to the broker (the ORM's or Redis), read the same way on both
    monkeypatch.setattr(queue, "async_task", lambda func, *args, **kwargs: tasks.append((func, args)) or "t")

    answer = api.post(f"{BASE}/flows/orders/run/")

    assert answer.status_code == 202
    assert answer.json()["message"] == "Queued a run of the orders flow."
    [(func, args)] = tasks
    assert (func, args[0]) == (queue.RUN_FLOW, ours.flows.get(kind="orders").pk)


def test_bookkeeping_changed_without_if_match_is_428_and_unchanged(agency):
    api, _, ours = agency

    answer = api.patch(f"{BASE}/bookkeeping/", {"freight_account": 3521}, format="json")

    assert answer.status_code == 428
    assert answer.json()["error"]["code"] == "precondition_required"
    assert api.get(f"{BASE}/bookkeeping/").json()["freight_account"] != 3521


ROWS = [
    ("mappings", FieldMapping, {"flow_kind": "orders", "target": "Invoice.Remarks", "source_path": "number"},
     {"argument": "Order {number}"}),
    ("value-maps", ValueMapEntry, {"map_name": "payment_method", "source_value": "klarna", "target_value": "K"},
     {"target_value": "KL"}),
    ("oss-accounts", OssAccount, {"country_code": "FR", "vat_rate": "20.00", "sales_account": 3011},
     {"sales_account": 3012}),
]


@pytest.mark.parametrize(("resource", "model", "body", "change"), ROWS, ids=[r[0] for r in ROWS])
def test_a_row_is_created_read_changed_against_its_etag_and_deleted(agency, resource, model, body, change):
    api, _, ours = agency
    created = api.post(f"{BASE}/{resource}/", body, format="json")
    url = f"{BASE}/{resource}/{created.json()['id']}/"
    read = api.get(url)

    missing = api.patch(url, change, format="json")
    changed = api.patch(url, change, format="json", HTTP_IF_MATCH=read.headers["ETag"])
    stale = api.patch(url, change, format="json", HTTP_IF_MATCH=read.headers["ETag"])
    stale_delete = api.delete(url, HTTP_IF_MATCH=read.headers["ETag"])
    listed = api.get(f"{BASE}/{resource}/").json()["results"]
    deleted = api.delete(url, HTTP_IF_MATCH=changed.headers["ETag"])

    assert created.status_code == 201
    assert read.json()["id"] in [row["id"] for row in listed]
    assert (missing.status_code, stale.status_code, stale_delete.status_code) == (428, 412, 412)
    assert changed.status_code == 200
    assert {k: str(v) for k, v in change.items()} == {k: str(changed.json()[k]) for k in change}
    assert deleted.status_code == 204
    assert not model.objects.filter(integration=ours, pk=read.json()["id"]).exists()


def test_a_running_run_shows_how_far_it_got(agency):
    api, _, ours = agency
    flow = ours.flows.get(kind="orders")
    SyncRun.objects.filter(flow=flow).update(status="succeeded", finished_at=timezone.now())
    running = SyncRun.objects.create(flow=flow, trigger="manual", status="running", created=3, failed=1, skipped=2,
                                     heartbeat_at=timezone.now())

    listed = api.get(f"{BASE}/runs/", {"status": "running"}).json()["results"]
    detail = api.get(f"{BASE}/runs/{running.pk}/").json()

    assert [run["id"] for run in listed] == [running.pk]
    assert detail["progress"]["handled"] == 6
    assert detail["progress"]["last_heartbeat_at"]
    assert api.get(f"{BASE}/runs/", {"status": "succeeded"}).json()["results"][0]["progress"] is None


def test_a_record_shows_what_was_sent_and_answered_with_secrets_redacted(agency):
    api, _, ours = agency
    record = SyncRecord.objects.get(integration=ours)
    SyncRecord.objects.filter(pk=record.pk).update(
        request=[{"method": "POST", "url": "https://api.fortnox.test/3/invoices",
                  "headers": {"Authorization": "Bearer live-token"}, "body": {"Invoice": {"Total": 100}}}],
        response=[{"status": 400, "body": {"ErrorInformation": {"message": "Artikel saknas"}},
                   "access_token": "leaked"}])

    detail = api.get(f"{BASE}/records/{record.pk}/").json()
    listed = api.get(f"{BASE}/records/", {"include": "bodies"}).json()["results"]
    plain = api.get(f"{BASE}/records/").json()["results"]

    assert detail["request"][0]["body"] == {"Invoice": {"Total": 100}}
    assert detail["response"][0]["body"]["ErrorInformation"]["message"] == "Artikel saknas"
    assert "live-token" not in str(detail)
    assert "leaked" not in str(detail)
    assert listed[0]["request"] == detail["request"]
    assert "request" not in plain[0]


def test_many_failures_are_retried_by_their_ids_and_resolved_with_a_reason(agency):
    api, _, ours = agency
    run = SyncRun.objects.get(flow__integration=ours)
    second = SyncRecord.objects.create(run=run, integration=ours, object_type="invoice", source_id="8",
                                       status="failed", error_code="unknown_sku", message="SKU 'Y' has no article")
    both = sorted(SyncRecord.objects.filter(integration=ours).values_list("pk", flat=True))

    retried = api.post(f"{BASE}/records/retry/", {"ids": both}, format="json")
    resolved = api.post(f"{BASE}/records/resolve/", {"ids": [second.pk], "reason": "Invoiced by hand",
                                                     "resolution": "ignored"}, format="json")

    assert retried.json()["queued"] == 2
    assert resolved.json() == {"resolved": 1, "message": "Marked 1 failed record(s) ignored."}
    second.refresh_from_db()
    assert (second.resolution, second.resolution_note) == ("ignored", "Invoiced by hand")


def test_open_failures_of_every_shop_the_partner_looks_after_in_one_list(agency):
    api, _, ours = agency
    shop = factories.organization("second")
    shop.partner = ours.organization.partner
    shop.save()
    second = factories.integration(factories.centra_connection(shop), factories.fortnox_connection(shop),
                                   slug="second")
    run = SyncRun.objects.create(flow=second.flows.get(), trigger="schedule", status="partial")
    SyncRecord.objects.create(run=run, integration=second, object_type="invoice", source_id="1", status="failed",
                              error_code="total_mismatch")

    everything = api.get("/api/v1/failures/").json()["results"]
    one_shop = api.get("/api/v1/failures/", {"integration": "second"}).json()["results"]

    assert {(f["integration"], f["error_code"]) for f in everything} == {("ours", "unknown_sku"),
                                                                         ("second", "total_mismatch")}
    assert [f["integration"] for f in one_shop] == ["second"]


def test_alerts_and_reconciliation_reports_are_listed_and_read(agency):
    api, _, ours = agency
    alert = Alert.objects.create(kind="run_failed", subject="flow:1:run", title="Orders: run failed", message="m",
                                 integration=ours)
    Alert.objects.create(kind="run_failed", subject="flow:2:run", title="Old", message="m", integration=ours,
                         resolved_at=timezone.now())
    report = ReconciliationReport.objects.create(integration=ours, day=timezone.localdate(), shipments=4,
                                                 invoices_matched=3, waiting=1)

    open_alerts = api.get("/api/v1/alerts/", {"open": "true"}).json()["results"]
    alert_detail = api.get(f"/api/v1/alerts/{alert.pk}/").json()
    reports = api.get("/api/v1/reconciliation-reports/", {"integration": "ours"}).json()["results"]
    report_detail = api.get(f"/api/v1/reconciliation-reports/{report.pk}/").json()

    assert [a["title"] for a in open_alerts] == ["Orders: run failed"]
    assert (alert_detail["integration"], alert_detail["resolved_at"]) == ("ours", None)
    assert [r["id"] for r in reports] == [report.pk]
    assert (report_detail["shipments"], report_detail["invoices_matched"], report_detail["waiting"]) == (4, 3, 1)


def test_the_webhook_url_to_register_in_centra_carries_the_integrations_token(agency):
    api, _, ours = agency

    answer = api.get(f"{BASE}/webhook/").json()

    assert answer["url"].endswith(f"/hooks/centra/ours/{ours.webhook_token}/")


def test_an_address_under_the_api_that_names_nothing_answers_the_one_error_body(agency):
    api, _, _ = agency

    answer = api.get(f"{BASE}/records/null/")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/errors").status_code == 301  # the slash is still added, as everywhere
