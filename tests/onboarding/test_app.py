"""The shop owners' area (/app/): overview, sync log search, a record's page, retry and resolve,
pause/resume, alerts and their e-mail link, syncing one order now and reconnecting the ERP."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from integrations import retries
from integrations.models import Connection, Flow, Membership, SyncRecord, SyncRun
from integrations.services import runs
from tests.integrations.conftest import world  # noqa: F401  (the sandbox shop over HTTP)

from .fixtures import build_shop, make_owner


@pytest.fixture
def shop(client, db):
    built = build_shop("woolshop", "Wool Shop AB", "10001", "anna@example.com")
    client.force_login(built.owner)
    return built


@pytest.fixture
def queued(monkeypatch):
    """The flows a retry queued (instead of a worker running them)."""
    flows = []
    monkeypatch.setattr(retries, "enqueue_flow", lambda flow, trigger: flows.append((flow.pk, trigger)))
    return flows


@pytest.mark.parametrize("status", [SyncRun.Status.SUCCEEDED, SyncRun.Status.PARTIAL])
def test_overview_shows_each_flow_with_its_last_successful_sync_and_open_failures(client, shop, status):
    """A run that completed with failed records synced the rest: it counts, its failures apart."""
    finished = timezone.now() - timedelta(hours=3)
    SyncRun.objects.create(flow=shop.flow, trigger=SyncRun.Trigger.SCHEDULE, status=status,
                           finished_at=finished)
    page = client.get(reverse("onboarding:home")).content.decode()
    assert f"{timezone.localtime(finished):%Y-%m-%d %H:%M}" in page
    assert "1 open failure" in page
    assert "2 open alerts" in page
    assert reverse("onboarding:connection", args=[shop.connection.pk]) in page


@pytest.mark.parametrize("term", ["10001", "10001-1", "ANNA@example.com", "#10001"])
def test_sync_log_finds_an_order_by_its_number_shipment_number_or_the_customers_email(client, shop, term):
    page = client.get(reverse("onboarding:log"), {"q": term}).content.decode()
    assert reverse("onboarding:record", args=[shop.failed.pk]) in page


def test_sync_log_finds_an_invoice_by_its_erp_document_number(client, shop):
    page = client.get(reverse("onboarding:log"), {"q": shop.invoiced.target_id}).content.decode()
    assert reverse("onboarding:record", args=[shop.invoiced.pk]) in page
    assert reverse("onboarding:record", args=[shop.failed.pk]) not in page


def test_sync_log_date_range_includes_both_days_and_leaves_out_the_rest(client, shop):
    SyncRecord.objects.filter(pk=shop.invoiced.pk).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()
    page = client.get(reverse("onboarding:log"), {"since": today, "until": today}).content.decode()
    assert reverse("onboarding:record", args=[shop.failed.pk]) in page
    assert reverse("onboarding:record", args=[shop.invoiced.pk]) not in page
    backwards = client.get(reverse("onboarding:log"), {"since": today, "until": today - timedelta(days=1)})
    assert "The range starts after it ends" in backwards.content.decode()


@pytest.mark.parametrize("query", [
    {"page": "²"}, {"page": "99999999999999999999999999"}, {"page": "-1"}, {"page": "١"},
    {"since": "0001-01-01"}, {"until": "9999-12-31"}, {"since": "0001-01-01", "until": "9999-12-31"},
])
def test_odd_paging_and_dates_show_the_log_and_never_fail(client, shop, query):
    page = client.get(reverse("onboarding:log"), query)
    assert page.status_code == 200
    assert reverse("onboarding:record", args=[shop.failed.pk]) in page.content.decode()  # bounds nothing


@pytest.mark.parametrize("value", ["²", "abc", "99999999999999999999999999", "0"])
def test_an_integration_that_is_not_an_id_of_yours_is_not_found(client, shop, value):
    assert client.get(reverse("onboarding:log"), {"integration": value}).status_code == 404
    assert client.get(reverse("onboarding:retry-all"), {"integration": value}).status_code == 404


def test_sync_log_never_finds_another_shops_order(client, shop):
    other = build_shop("capshop", "Cap Shop AB", "20002", "bo@example.com")
    page = client.get(reverse("onboarding:log"), {"q": "20002"}).content.decode()
    assert reverse("onboarding:record", args=[other.failed.pk]) not in page
    assert "Nothing matches" in page


def test_record_page_shows_what_was_sent_the_answer_and_the_advice_without_the_token(client, shop):
    page = client.get(reverse("onboarding:record", args=[shop.failed.pk])).content.decode()
    assert "unknown_sku" in page
    assert "What to do:</strong> An order line&#x27;s SKU has no article in the ERP." in page
    assert "Artikel hittades inte" in page  # what Fortnox answered
    assert "YourOrderNumber" in page  # what we sent
    assert "secret-access-token" not in page


def test_retrying_one_failure_makes_it_due_now_and_queues_its_flow(client, shop, queued):
    answer = client.post(reverse("onboarding:record-retry", args=[shop.failed.pk]))
    assert answer.status_code == 302
    shop.failed.refresh_from_db()
    assert shop.failed.next_retry_at is not None
    assert queued == [(shop.flow.pk, SyncRun.Trigger.RETRY)]


def test_retry_all_confirms_the_count_first_then_retries_every_open_failure(client, shop, queued):
    confirm = client.get(reverse("onboarding:retry-all")).content.decode()
    assert "Retry 1 open failure" in confirm
    assert queued == []
    client.post(reverse("onboarding:retry-all"))
    assert queued == [(shop.flow.pk, SyncRun.Trigger.RETRY)]
    assert LogEntry.objects.filter(change_message="Retried 1 failed record(s).").exists()


def test_resolving_a_failure_needs_a_reason_and_keeps_it_in_the_log(client, shop):
    refused = client.post(reverse("onboarding:record-resolve", args=[shop.failed.pk]), {"resolution": "resolved"})
    assert refused.status_code == 400
    assert SyncRecord.objects.open_failures().filter(pk=shop.failed.pk).exists()
    client.post(reverse("onboarding:record-resolve", args=[shop.failed.pk]),
                {"resolution": "resolved", "reason": "Invoiced by hand as 4711"})
    shop.failed.refresh_from_db()
    assert (shop.failed.resolution, shop.failed.resolution_note, shop.failed.resolved_by) == (
        "resolved", "Invoiced by hand as 4711", shop.owner)
    page = client.get(reverse("onboarding:record", args=[shop.failed.pk])).content.decode()
    assert "Invoiced by hand as 4711" in page


def test_a_paused_flow_resumes_from_where_it_stopped(client, shop):
    client.post(reverse("onboarding:flow-enabled", args=[shop.flow.pk]), {"enabled": "0"})
    assert not Flow.objects.get(pk=shop.flow.pk).enabled
    client.post(reverse("onboarding:flow-enabled", args=[shop.flow.pk]), {"enabled": "1"})
    assert Flow.objects.get(pk=shop.flow.pk).enabled


def test_alerts_list_the_shops_connection_alert_and_an_owner_resolves_one_with_a_note(client, shop):
    page = client.get(reverse("onboarding:alerts")).content.decode()
    assert shop.connection_alert.title in page
    assert shop.alert.title in page
    alert_page = client.get(reverse("onboarding:alert", args=[shop.connection_alert.pk])).content.decode()
    assert reverse("onboarding:connection", args=[shop.connection.pk]) in alert_page  # where to reconnect
    assert client.post(reverse("onboarding:alert", args=[shop.alert.pk]), {"note": ""}).status_code == 400
    client.post(reverse("onboarding:alert", args=[shop.alert.pk]), {"note": "Added SOCK900 in Fortnox"})
    shop.alert.refresh_from_db()
    assert (shop.alert.resolution_note, shop.alert.resolved_by) == ("Added SOCK900 in Fortnox", shop.owner)


def test_a_viewer_reads_the_log_and_the_record_but_is_offered_no_change(client, shop):
    viewer, _ = make_owner(email="viewer@woolshop.example", role=Membership.Role.MEMBER,
                           organization=shop.organization)
    client.force_login(viewer)
    page = client.get(reverse("onboarding:record", args=[shop.failed.pk])).content.decode()
    assert "unknown_sku" in page
    assert reverse("onboarding:record-retry", args=[shop.failed.pk]) not in page
    assert "Sync now" not in client.get(reverse("onboarding:home")).content.decode()


# --- over HTTP against the sandbox ------------------------------------------------------------------


@pytest.fixture
def live_shop(world, client, monkeypatch):  # noqa: F811
    """The sandbox shop of `world` with an owner signed in; queued runs are recorded, not run."""
    owner, _ = make_owner(email="owner@shop.example", role=Membership.Role.OWNER,
                          organization=world.integration.organization)
    client.force_login(owner)
    queued = []
    monkeypatch.setattr(runs, "enqueue_flow", lambda flow, trigger: queued.append((flow.kind, trigger)))
    world.queued = queued
    return world


def test_syncing_one_order_now_asks_for_its_shipments_and_shows_them_in_the_log(client, live_shop):
    order = live_shop.order(("COAT", 1, "1500"))
    live_shop.ship(order)
    answer = client.post(reverse("onboarding:export", args=[live_shop.integration.pk]), {"reference": order.number})
    assert answer.status_code == 302
    assert answer["Location"] == f"{reverse('onboarding:log')}?q={order.number}"
    assert live_shop.queued == [(Flow.Kind.ORDERS, SyncRun.Trigger.MANUAL)]
    page = client.get(answer["Location"]).content.decode()
    assert f"Syncing {order.number} now: shipment {order.number}-1 (invoice)" in page


def test_syncing_an_order_centra_does_not_have_says_so_and_queues_nothing(client, live_shop):
    page = client.post(reverse("onboarding:export", args=[live_shop.integration.pk]), {"reference": "99999"},
                       follow=True).content.decode()
    assert "Centra has no order 99999." in page
    assert live_shop.queued == []


def test_reconnecting_fortnox_from_the_app_saves_new_tokens_and_the_connection_answers(client, live_shop):
    target = live_shop.integration.target
    Connection.objects.filter(pk=target.pk).update(health=Connection.Health.UNHEALTHY)
    old = target.credentials["refresh_token"]
    off = client.post(reverse("onboarding:reconnect", args=[target.pk]))
    query = parse_qs(urlsplit(off["Location"]).query)
    assert query["access_type"] == ["offline"]
    assert query["state"][0]
    assert query["redirect_uri"][0].endswith(reverse("onboarding:reconnect-callback"))
    back = requests.get(off["Location"], params={"tenant": live_shop.tenant.name}, allow_redirects=False, timeout=10)
    callback = urlsplit(back.headers["Location"])
    page = client.get(f"{callback.path}?{callback.query}", follow=True).content.decode()
    assert "is reconnected" in page
    target = Connection.objects.get(pk=target.pk)
    assert target.credentials["refresh_token"] != old
    assert target.health == Connection.Health.HEALTHY


def test_a_refused_consent_leaves_the_connection_as_it_was_and_says_so(client, live_shop):
    target = live_shop.integration.target
    old = target.credentials["refresh_token"]
    off = client.post(reverse("onboarding:reconnect", args=[target.pk]))
    back = requests.get(off["Location"], params={"deny": "1"}, allow_redirects=False, timeout=10)
    callback = urlsplit(back.headers["Location"])
    page = client.get(f"{callback.path}?{callback.query}", follow=True).content.decode()
    assert "did not give access" in page
    assert Connection.objects.get(pk=target.pk).credentials["refresh_token"] == old
