"""What the browser tests share: a page at a width that records every request it makes and saves
screenshots for the README, a login, and a worker that runs queued tasks at once."""

import re
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from tests.onboarding.fixtures import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class Visit:
    """One browser page at one width, as a person on a laptop (1366) or a phone (390) sees it."""

    page: object
    width: int
    folder: str
    prefix: str = ""
    requested: list = field(default_factory=list)

    def shot(self, name: str) -> None:
        """A full-page screenshot, `-390` added to the name for the phone's width."""
        folder = SCREENSHOTS / self.folder
        folder.mkdir(parents=True, exist_ok=True)
        suffix = "" if self.width == 1366 else f"-{self.width}"
        self.page.screenshot(path=str(folder / f"{self.prefix}{name}{suffix}.png"), full_page=True)

    def foreign(self, origin: str) -> list[str]:
        """Every request the page made anywhere but `origin` (the app's own): should be none."""
        return [url for url in self.requested if not url.startswith(origin)]


def visit(browser, width: int, folder: str, prefix: str = "") -> Visit:
    """A fresh page (no other test's login) at `width`, recording the requests it makes."""
    browser.clear_cookies()
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    opened = Visit(page, width, folder, prefix)
    page.on("request", lambda request: opened.requested.append(request.url))
    return opened


def log_in(page, url: str, email: str, lands: str) -> None:
    """Open `url`, get sent to the login page, log in with the tests' password and land on `lands`
    (a regular expression)."""
    page.goto(url)
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(lands))


def worker_runs_at_once(tasks, **kwargs):
    """Stands in for the django-q worker (as `queue.async_chain`): runs each queued task of the
    chain, in order, in this process."""
    for path, args in tasks:
        module, name = path.rsplit(".", 1)
        getattr(import_module(module), name)(*args)
