"""A new owner signs up in Chromium and connects Centra and Fortnox (Get Started steps 1-2), at a
desktop width and at 390 px, with a screenshot per step; every request stays on the app's origin.

Steps 3-8 have no pages yet, so this walk ends at the connected Fortnox company."""

import re
from pathlib import Path

import pytest
from django.core import mail

from tests.onboarding.fixtures import PASSWORD, sandbox  # noqa: F401  (the sandbox fixture)

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "wizard"


@pytest.mark.parametrize("width", [1366, 390])
def test_new_owner_signs_up_and_connects_centra_and_fortnox_alone(browser, sandbox, width):  # noqa: F811
    browser.clear_cookies()  # the session-wide browser may hold the other width's login
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    suffix = "" if width == 1366 else "-390"

    def shot(name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)

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
    page.close()

    foreign = [url for url in requested if not url.startswith(sandbox.url)]
    assert foreign == []
