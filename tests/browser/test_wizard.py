"""A new owner signs up in Chromium and walks every Get Started step alone, at a desktop width and
at 390 px: Centra and Fortnox connected, the ERP checklist, markets, flows, bookkeeping, a test sync
that creates the invoice in the Fortnox sandbox, going live, and the first invoice in /app/'s sync log,
found by its order number and by Fortnox's invoice number. A screenshot per step; every request the
browser makes stays on the app's origin."""

import re
from decimal import Decimal

import pytest
from django.core import mail

from integrations import queue
from sandbox.centra import services as centra
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.models import Invoice
from tests.browser.pages import visit, worker_runs_at_once
from tests.onboarding.fixtures import PASSWORD, sandbox  # noqa: F401  (the sandbox fixture)


def _shop(sandbox):  # noqa: F811
    """A Swedish market, a test market and one shipped order in Centra; its article in Fortnox."""
    centra.create_market(sandbox.store, "Sweden", country_codes=("SE",), currency="SEK")
    centra.create_market(sandbox.store, "Test market", country_codes=("SE",), currency="SEK")
    centra.create_product(sandbox.store, "WS200", "Wool Scarf", variants=[
        {"variant_number": "", "name": "Grey", "sizes": [{"name": "One Size", "size_number": ""}]}])
    fortnox.create_article(sandbox.tenant, "WS200", "Wool Scarf")
    order = centra.create_order(sandbox.store, email="anna@example.com", country_code="SE", shipping=Decimal("49"),
                                lines=[{"sku": "WS200", "quantity": 2, "unit_price": Decimal("149"),
                                        "original_price": Decimal("149"), "tax_percent": Decimal(25)}])
    centra.create_shipment(order)
    return order


@pytest.mark.parametrize("width", [1366, 390])
def test_new_owner_signs_up_and_walks_every_step_to_invoices_in_fortnox(browser, sandbox, width,  # noqa: F811
                                                                         monkeypatch):
    order = _shop(sandbox)
    monkeypatch.setattr(queue, "async_chain", worker_runs_at_once)
    opened = visit(browser, width, "wizard")
    page, shot = opened.page, opened.shot

    email = f"owner{width}@wool.example"
    page.goto(f"{sandbox.url}/accounts/signup/")
    page.fill("#id_company_name", "Nordic Wool AB")
    page.fill("#id_organisation_number", "556677-8899")
    page.fill("#id_email", email)
    page.fill("#id_contact_email", "alerts@wool.example")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    shot("00-signup")
    page.keyboard.press("Enter")  # keyboard only: submit from the last field
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    confirm = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(confirm)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r".*/get-started/centra/$"))

    page.fill("#id_base_url", sandbox.centra_url)
    page.fill("#id_api_token", "wrong-token")
    page.get_by_role("button", name="Check and save").click()
    assert page.get_by_text("Centra refused this API token").is_visible()
    shot("01-centra-refused")
    page.fill("#id_api_token", sandbox.store.api_token)
    page.get_by_role("button", name="Check and save").click()
    page.wait_for_url(re.compile(r".*/get-started/erp/$"))
    shot("02-erp")

    page.get_by_label("Fortnox").check()  # the ERPs come from the registry (Business Central appears too)
    page.get_by_role("button", name="Choose").click()
    page.get_by_role("button", name="Connect Fortnox").click()
    page.wait_for_url(re.compile(r".*/sandbox/fortnox/oauth-v1/auth.*"))
    page.get_by_label(re.compile(sandbox.tenant.name)).check()
    shot("02b-fortnox-consent")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r".*/get-started/erp/$"))
    assert page.get_by_text("Connected to Fortnox company Wizard Shop AB").is_visible()
    shot("02c-erp-connected")

    page.goto(f"{sandbox.url}/get-started/")  # resumes at the first step not done
    page.wait_for_url(re.compile(r".*/get-started/prepare/$"))
    assert page.get_by_text("Currency SEK").is_visible()
    shot("03-prepare")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/get-started/markets/$"))
    assert not page.get_by_label(re.compile("Test market")).is_checked()
    assert page.get_by_label(re.compile("Sweden — SE")).is_checked()
    shot("04-markets")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/get-started/flows/$"))
    shot("05-flows")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/get-started/bookkeeping/$"))
    assert page.locator("#id_freight_account").input_value() == "3520"  # read from Fortnox
    shot("06-bookkeeping")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/get-started/test/$"))
    assert page.get_by_text("Total SEK").first.is_visible()
    shot("07-test-preview")
    assert not Invoice.objects.filter(tenant=sandbox.tenant).exists()
    page.get_by_role("button", name="Create them in Fortnox").click()
    page.get_by_role("link", name="Next: go live").wait_for()
    shot("07b-test-done")
    assert Invoice.objects.filter(tenant=sandbox.tenant).count() == 1
    page.get_by_role("link", name="Next: go live").click()
    page.wait_for_url(re.compile(r".*/get-started/go-live/$"))
    assert "/hooks/centra/" in page.locator("#hook-url").input_value()
    shot("08-go-live")
    page.get_by_role("button", name="Go live").click()
    page.wait_for_url(re.compile(r".*/app/$"))
    assert page.get_by_text("is live").first.is_visible()
    shot("09-app-live")

    # The first invoice, found in the shop's own sync log by its order number and by Fortnox's number.
    invoice = Invoice.objects.get(tenant=sandbox.tenant)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync log").click()
    page.fill("#id_q", str(order.number))
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(rf".*/app/log/\?.*q={order.number}"))
    row = page.get_by_role("row").filter(has_text=f"Invoice {order.number}-1")
    assert row.get_by_text(str(invoice.document_number), exact=True).is_visible()
    shot("10-app-log-first-invoice")
    page.fill("#id_q", str(invoice.document_number))
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(rf".*/app/log/\?.*q={invoice.document_number}"))
    page.get_by_role("link", name=f"Invoice {order.number}-1").click()
    page.wait_for_url(re.compile(r".*/app/records/\d+/$"))
    shot("11-app-record-first-invoice")
    page.locator("details.exchange summary").filter(has_text="/3/invoices").first.click()  # what was sent
    assert page.get_by_text(f'"YourOrderNumber": "{order.number}"').first.is_visible()
    page.close()

    assert opened.foreign(sandbox.url) == []
