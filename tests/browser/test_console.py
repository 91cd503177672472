"""A staff user works the console in Chromium: finds a failure by its order number, reads the advice,
fixes the value map that caused it (previewing the order with the unsaved fix first), retries it and
sees it succeed; backfills and watches the progress bar finish; resolves a failure with a reason.
Every request stays on the app's origin."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django_q.conf import Conf

from integrations.flows.runner import run_flow
from integrations.models import SyncRecord
from mappings.models import ValueMapEntry
from sandbox import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "console"


@pytest.fixture
def value_maps():
    """Value map entries ((map, Centra value) -> ERP value) in place before the first run; none by default."""
    return {}


@pytest.fixture
def seeded(live_server, value_maps):
    integration = demo.seed(live_server.url, fast=True)
    for (map_name, source_value), target_value in value_maps.items():
        ValueMapEntry.objects.create(integration=integration, map_name=map_name, source_value=source_value,
                                     target_value=target_value)
    run_flow(integration.flows.get(kind="orders"))
    return integration


@pytest.fixture(autouse=True)
def tasks_run_at_once(monkeypatch):
    """The worker's part: a queued task runs in the request that queued it (django-q2's sync mode)."""
    monkeypatch.setattr(Conf, "SYNC", True)


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
    """Screenshots at a laptop's width and a phone's, kept for the README; at either width the page
    itself never scrolls sideways (a wide table scrolls in its own box)."""
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(600)  # the chart redraws at the new width
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"
    page.set_viewport_size({"width": 1366, "height": 900})


@pytest.mark.parametrize("value_maps", [{("terms_of_payment", "Klarna Checkout"): "K30"}])
def test_staff_find_a_failure_by_order_number_fix_its_mapping_with_a_preview_and_retry_it_to_success(
        staff, live_server, seeded):
    """A value map sends Klarna orders on terms of payment Fortnox does not have (K30): the staff user
    finds one by its order number, reads the advice and what was sent, corrects the value map,
    previews the order with the unsaved correction, saves it, retries and sees the invoice created."""
    failed = SyncRecord.objects.open_failures().filter(error_code="remote_rejected").order_by("order_number").first()
    assert failed is not None
    shoot(staff, "dashboard")
    assert seeded.name in staff.inner_text("#console-dashboard")

    staff.goto(f"{live_server.url}/admin/integrations/syncrecord/?q={failed.order_number}")
    assert failed.source_ref in staff.inner_text("#result_list")
    staff.goto(f"{live_server.url}/admin/integrations/syncrecord/{failed.pk}/change/")
    advice = staff.inner_text("#record-advice")
    assert "What to do" in advice
    assert "fix the data or the setting it names" in advice
    assert "betalningsvillkoret" in advice  # Fortnox: "cannot find the terms of payment"
    assert '"TermsOfPayment": "K30"' in staff.inner_text("#record-page")  # what was sent
    shoot(staff, "record")

    # The value map, corrected on the integration's page and previewed on this order before saving.
    staff.goto(f"{live_server.url}/admin/integrations/integration/{seeded.pk}/change/#value_maps")
    staff.fill("input[name$='-target_value'][value='K30']", "30")
    staff.fill("#preview_reference", failed.order_number)
    preview_hosts = set()
    with staff.expect_popup() as opened:
        staff.click("#mapping-preview-button")
    preview = opened.value
    preview.on("request", lambda request: preview_hosts.add(urlsplit(request.url).netloc))
    preview.wait_for_selector("#preview-unsaved")
    assert "Nothing was saved" in preview.inner_text("#preview-unsaved")
    changes = preview.inner_text("#preview-changes")
    assert "Invoice.TermsOfPayment" in changes
    assert "K30" in changes
    shoot(preview, "mapping-preview")
    preview.close()
    assert preview_hosts <= {urlsplit(live_server.url).netloc}
    assert ValueMapEntry.objects.get(integration=seeded).target_value == "K30"  # the preview saved nothing
    with staff.expect_navigation():
        staff.click("button[name=_continue]")
    assert "was changed successfully" in staff.inner_text("body")
    assert ValueMapEntry.objects.get(integration=seeded).target_value == "30"

    staff.goto(f"{live_server.url}/admin/integrations/syncrecord/{failed.pk}/change/")
    staff.click("#record-actions >> text=Retry")
    assert "fetches the record from" in staff.inner_text("#console-confirm")
    staff.click("button[name=confirm]")
    assert f"Retry of {failed.source_ref} queued" in staff.inner_text("body")
    staff.reload()
    assert "A later attempt of this record exists" in staff.inner_text("#record-advice")
    latest = SyncRecord.objects.filter(integration=seeded, source_id=failed.source_id).latest("created_at")
    assert latest.status == "created"
    assert "Created" in staff.inner_text("#record-history")


def test_staff_backfill_a_date_range_and_watch_the_progress_bar_finish(staff, live_server, seeded):
    orders = seeded.flows.get(kind="orders")
    staff.goto(f"{live_server.url}/admin/integrations/flow/{orders.pk}/backfill/")
    staff.fill("#id_since", "2020-01-01")
    staff.click("button[name=confirm]")
    assert "Centra record(s) changed since then will be read again" in staff.inner_text("#console-confirm")
    counted = int(staff.inner_text("button[name=confirm]").split()[1])
    assert counted > 0
    staff.click("button[name=confirm]")
    staff.wait_for_selector("#flow-progress[data-finished=yes]", timeout=30_000)
    assert f"of {counted} record(s) done" in staff.inner_text("#flow-progress")
    assert staff.locator("[role=progressbar]").get_attribute("aria-valuenow") == "100"
    shoot(staff, "progress")


def test_staff_resolve_a_failure_with_a_reason(staff, live_server, seeded):
    failed = SyncRecord.objects.open_failures().get(error_code="invalid_article_number")
    staff.goto(f"{live_server.url}/admin/integrations/openfailure/")
    assert "invalid_article_number" in staff.inner_text("#failure-groups")
    shoot(staff, "failures")
    staff.goto(f"{live_server.url}/admin/integrations/syncrecord/{failed.pk}/change/")
    staff.click("#record-actions >> text=Resolve…")
    staff.click("button[name=confirm]")
    assert "Say why" in staff.content() or "This field is required" in staff.content()
    staff.fill("#id_reason", "Invoiced by hand in the ERP as 4711")
    staff.click("button[name=confirm]")
    assert "stays in the sync log with your reason" in staff.inner_text("body")
    failed.refresh_from_db()
    assert (failed.resolution, failed.resolution_note) == ("resolved", "Invoiced by hand in the ERP as 4711")
    assert not SyncRecord.objects.open_failures().filter(pk=failed.pk).exists()
