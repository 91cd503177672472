"""An owner onboards a Business Central company in Chromium at a desktop width and at 390 px: Centra,
then Business Central's tenant, client id and secret (a typo in the secret named first), the
environment and the company chosen from what BC lists, the checklist, bookkeeping with the company's
own posting groups, a test sync that posts the invoice in the BC simulator, and going live. A
screenshot per step (docs/screenshots/wizard/bc-*); every request the browser makes stays on the
app's origin."""

import re
from decimal import Decimal

import pytest

from integrations import queue
from sandbox.business_central import services as bc
from sandbox.centra import services as centra
from tests.browser.pages import log_in, visit, worker_runs_at_once
from tests.onboarding.fixtures import bc_sandbox, make_owner, sandbox  # noqa: F401  (fixtures)


@pytest.mark.parametrize("width", [1366, 390])
def test_owner_onboards_a_business_central_company_to_a_posted_invoice(browser, bc_sandbox, sandbox,  # noqa: F811
                                                                       width, monkeypatch):
    shop, outlet = bc_sandbox.companies
    centra.create_market(sandbox.store, "Sweden", country_codes=("SE",), currency="SEK")
    centra.create_product(sandbox.store, "WS200", "Wool Scarf", variants=[
        {"variant_number": "", "name": "Grey", "sizes": [{"name": "One Size", "size_number": ""}]}])
    bc.create_item(outlet, "WS200", "Wool Scarf", inventory=20, unit_price="149")
    order = centra.create_order(sandbox.store, email="anna@example.com", country_code="SE", shipping=Decimal("49"),
                                lines=[{"sku": "WS200", "quantity": 2, "unit_price": Decimal("149"),
                                        "original_price": Decimal("149"), "tax_percent": Decimal(25)}])
    centra.create_shipment(order)
    monkeypatch.setattr(queue, "async_chain", worker_runs_at_once)
    owner, _ = make_owner(email=f"owner{width}@outlet.example", company="Wizard Outlet AB")
    opened = visit(browser, width, "wizard", prefix="bc-")
    page, shot = opened.page, opened.shot
    log_in(page, f"{sandbox.url}/get-started/", owner.email, r".*/get-started/centra/$")
    page.fill("#id_base_url", sandbox.centra_url)
    page.fill("#id_api_token", sandbox.store.api_token)
    page.get_by_role("button", name="Check and save").click()
    page.wait_for_url(re.compile(r".*/get-started/erp/$"))

    page.get_by_label("Business Central").check()  # the ERPs come from the registry
    page.get_by_role("button", name="Choose").click()
    page.fill("#id_tenant", bc_sandbox.tenant)
    page.fill("#id_client_id", bc_sandbox.client_id)
    page.fill("#id_client_secret", "a-typo-in-the-secret")
    page.fill("#id_base_url", bc_sandbox.api_url)
    page.fill("#id_auth_url", bc_sandbox.api_url)
    shot("01-credentials")
    page.get_by_role("button", name="Check the credentials").click()
    assert page.get_by_text("Microsoft Entra refused the client secret").is_visible()
    shot("02-secret-refused")
    page.fill("#id_client_secret", bc_sandbox.client_secret)
    page.get_by_role("button", name="Check the credentials").click()
    assert page.get_by_text("Business Central accepted the credentials: now choose the environment.").is_visible()
    page.get_by_label("Business Central environment").select_option("production")
    shot("03-environment")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("Now choose the company.").is_visible()
    page.get_by_label("Business Central company").select_option(label="Wizard Outlet AB")
    shot("04-company")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("Business Central answered: connected to Wizard Outlet AB.").is_visible()
    shot("05-connected")

    page.goto(f"{sandbox.url}/get-started/")  # resumes at the first step not done
    page.wait_for_url(re.compile(r".*/get-started/prepare/$"))
    assert page.get_by_text("Currency SEK").is_visible()
    shot("06-prepare")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/get-started/markets/$"))
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/get-started/flows/$"))
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/get-started/bookkeeping/$"))
    assert page.locator("#id_domestic").input_value() == "DOMESTIC"  # one of the company's own groups
    assert "OSS-DE — OSS Germany" in page.locator("#id_oss_group_0").inner_text()
    shot("07-bookkeeping")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/get-started/test/$"))
    assert not [i for i in bc.invoices(outlet) if i["status"] != "Draft"]
    page.get_by_role("button", name="Create them in Business Central").click()
    page.get_by_role("link", name="Next: go live").wait_for()
    shot("08-test-done")
    posted = [i for i in bc.invoices(outlet) if i["status"] != "Draft"]
    assert [i["totalAmountIncludingTax"] for i in posted] == [347.0]  # 2 x 149 + 49 shipping, as captured
    assert not bc.invoices(shop)  # the company chosen, not the environment's first
    page.get_by_role("link", name="Next: go live").click()
    page.wait_for_url(re.compile(r".*/get-started/go-live/$"))
    page.get_by_role("button", name="Go live").click()
    page.wait_for_url(re.compile(r".*/app/$"))
    assert page.get_by_text("is live").first.is_visible()
    shot("09-app-live")
    page.close()

    assert opened.foreign(sandbox.url) == []
