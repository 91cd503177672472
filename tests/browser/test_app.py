"""The shop owners' area in Chromium, as an owner uses it, at 1366 and 390 px: log in, see what
needs attention on the overview, find a failed shipment in the sync log by its order number, read
what was sent, what Fortnox answered and the advice, retry it, close another failure with a reason,
read the alerts and open the connection to reconnect. A screenshot of each page under
docs/screenshots/app/; every request the browser makes stays on the app's origin."""

import re

import pytest

from integrations.models import Connection, SyncRecord
from tests.browser.pages import log_in, visit
from tests.onboarding.fixtures import build_shop


@pytest.mark.parametrize("width", [1366, 390])
def test_an_owner_finds_a_failure_by_order_number_reads_its_advice_and_acts_on_it(browser, live_server,
                                                                                   transactional_db, width):
    shop = build_shop("woolshop", "Nordic Wool AB", "10001", "anna@example.com")
    second = SyncRecord.objects.get(pk=shop.failed.pk)
    second.pk, second.source_id, second.source_ref, second.order_number = None, "100033", "10003-1", "10003"
    second.save()
    Connection.objects.filter(pk=shop.connection.pk).update(
        health=Connection.Health.UNHEALTHY, health_message="Fortnox refused our tokens: consent withdrawn.")
    opened = visit(browser, width, "app")
    page, shot = opened.page, opened.shot
    log_in(page, f"{live_server.url}/app/", shop.owner.email, r"^http://[^/?]+/app/$")
    assert page.get_by_text("2 open alerts").is_visible()
    assert page.get_by_text("Fortnox refuses access").is_visible()
    shot("01-overview")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync log").click()
    page.fill("#id_q", "10001")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r".*/app/log/\?.*q=10001"))
    assert page.get_by_role("link", name="Invoice 10003-1").count() == 0  # another order
    shot("02-log-search")

    page.get_by_role("link", name="Invoice 10001-1").click()
    page.wait_for_url(re.compile(rf".*/app/records/{shop.failed.pk}/$"))
    assert page.get_by_text("What to do:").is_visible()
    assert page.get_by_text("1. POST https://api.fortnox.test/3/invoices").is_visible()  # the failing exchange, open
    assert page.get_by_text("Artikel hittades inte").is_visible()  # what Fortnox answered
    assert page.get_by_text("secret-access-token").count() == 0
    shot("03-record")
    page.get_by_role("button", name="Retry now").click()
    page.get_by_text("Retry of 10001-1 queued").wait_for()

    page.goto(f"{live_server.url}/app/records/{second.pk}/resolve/")
    page.get_by_label(re.compile("Resolved: fixed outside")).check()
    page.fill("#id_reason", "Invoiced by hand in Fortnox as 4711")
    shot("04-resolve")
    page.get_by_role("button", name="Close it with this reason").click()
    page.wait_for_url(re.compile(rf".*/app/records/{second.pk}/$"))
    assert page.get_by_text("Closed as resolved by owner@woolshop.example").is_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync log").click()
    page.get_by_role("link", name="Retry all failed…").click()
    page.wait_for_url(re.compile(r".*/app/log/retry/$"))
    assert page.get_by_role("heading", name=re.compile("Retry 1 open failure")).is_visible()
    shot("05-retry-all")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    page.wait_for_url(re.compile(r".*/app/alerts/$"))
    shot("06-alerts")
    page.get_by_role("link", name=shop.connection_alert.title).click()
    page.wait_for_url(re.compile(rf".*/app/alerts/{shop.connection_alert.pk}/$"))
    assert page.get_by_text("Consent withdrawn.").is_visible()
    shot("07-alert")
    page.get_by_role("link", name="Reconnect Fortnox").click()
    page.wait_for_url(re.compile(rf".*/app/connections/{shop.connection.pk}/$"))
    assert page.get_by_role("button", name="Reconnect Fortnox").is_visible()
    shot("08-connection")
    page.close()

    assert opened.foreign(live_server.url) == []
