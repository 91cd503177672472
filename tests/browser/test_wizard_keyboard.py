"""Keyboard only, on a 390 px phone: a new owner signs up and walks every Get Started step with Tab,
arrow keys, Space and Enter (no click, no mouse), to the invoice in the Fortnox sandbox. Each
control reached by Tab shows where the focus is; no page scrolls sideways; every request stays on
the app's origin."""

import re

from django.core import mail

from integrations import queue
from sandbox.fortnox.models import Invoice
from tests.browser.pages import visit, worker_runs_at_once
from tests.browser.test_wizard import _shop
from tests.onboarding.fixtures import PASSWORD, sandbox  # noqa: F401  (the sandbox fixture)

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {tag: el.tagName.toLowerCase(), id: el.id, name: el.name || "", value: el.value || "",
          text: (el.innerText || "").trim(), label: label.trim(),
          ring: style.outlineStyle !== "none" || style.boxShadow !== "none"};
}"""


class Keyboard:
    """Moves the focus with Tab as a keyboard user does, and checks the focus can be seen."""

    def __init__(self, page):
        self.page = page

    def tab_to(self, matches, limit: int = 80) -> dict:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self.page.evaluate(FOCUSED)
            if focused and matches(focused):
                assert focused["ring"], f"the focus on {focused} cannot be seen"
                return focused
        raise AssertionError("Tab never reached the control")

    def field(self, element_id: str, text: str) -> None:
        self.tab_to(lambda el: el["id"] == element_id)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def press(self, name: str, tag: str = "button") -> None:
        """Tab to the button (or link) called `name` and press Enter; the page it leaves fits the
        phone's width (nothing scrolls sideways)."""
        assert self.page.evaluate("document.documentElement.scrollWidth") <= 390, self.page.url
        self.tab_to(lambda el: el["tag"] == tag and el["text"].casefold() == name.casefold())
        self.page.keyboard.press("Enter")

    def choose(self, group: str, label: re.Pattern) -> None:
        """Tab into a radio group and move with the arrow keys to the option whose label matches."""
        self.tab_to(lambda el: el["name"] == group)
        for _ in range(20):
            focused = self.page.evaluate(FOCUSED)
            if label.search(focused["label"]):
                self.page.keyboard.press("Space")
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no {label.pattern} in the {group} group")


def test_a_keyboard_alone_walks_the_wizard_on_a_phone(browser, sandbox, monkeypatch):  # noqa: F811
    _shop(sandbox)
    monkeypatch.setattr(queue, "async_chain", worker_runs_at_once)
    opened = visit(browser, 390, "wizard")
    page = opened.page
    keys = Keyboard(page)

    page.goto(f"{sandbox.url}/accounts/signup/")
    keys.field("id_company_name", "Nordic Wool AB")
    keys.field("id_organisation_number", "556677-8899")
    keys.field("id_email", "keys@wool.example")
    keys.field("id_contact_email", "alerts@wool.example")
    keys.field("id_password1", PASSWORD)
    keys.field("id_password2", PASSWORD)
    keys.press("Sign up")
    page.wait_for_url(re.compile(r".*/accounts/confirm-email/$"))
    page.goto(re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0))
    keys.press("Confirm")
    page.wait_for_url(re.compile(r".*/get-started/centra/$"))

    keys.field("id_base_url", sandbox.centra_url)
    keys.field("id_api_token", sandbox.store.api_token)
    keys.press("Check and save")
    page.wait_for_url(re.compile(r".*/get-started/erp/$"))

    keys.choose("kind", re.compile("Fortnox"))
    keys.press("Choose")
    page.wait_for_url(re.compile(r".*/get-started/erp/\?kind=fortnox$"))
    keys.press("Connect Fortnox")
    page.wait_for_url(re.compile(r".*/sandbox/fortnox/oauth-v1/auth.*"))
    keys.choose("tenant", re.compile(re.escape(sandbox.tenant.name)))
    keys.press("Approve")
    page.wait_for_url(re.compile(r".*/get-started/erp/$"))
    assert page.get_by_text("Connected to Fortnox company Wizard Shop AB").is_visible()

    keys.press("3. Prepare the ERP", tag="a")  # the step list is links: the next step is one Tab stop away
    page.wait_for_url(re.compile(r".*/get-started/prepare/$"))
    keys.press("Continue")
    for step in ("markets", "flows", "bookkeeping"):
        page.wait_for_url(re.compile(rf".*/get-started/{step}/$"))
        keys.press("Save and continue")
    page.wait_for_url(re.compile(r".*/get-started/test/$"))
    keys.press("Create them in Fortnox")
    page.get_by_role("link", name="Next: go live").wait_for()
    assert Invoice.objects.filter(tenant=sandbox.tenant).count() == 1
    keys.press("Next: go live", tag="a")
    page.wait_for_url(re.compile(r".*/get-started/go-live/$"))
    keys.press("Go live")
    page.wait_for_url(re.compile(r".*/app/$"))
    assert page.get_by_text("is live").first.is_visible()
    page.close()

    assert opened.foreign(sandbox.url) == []
