"""The partner API's Swagger UI and Redoc pages, opened in Chromium, render the schema and ask nothing
of any host but the app: no CDN, no fonts, no logo, no validator badge, and no request the page's
policy had to refuse."""

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("path", "rendered"), [
    ("/api/v1/docs/", ".swagger-ui .opblock-tag"),
    ("/api/v1/redoc/", "[data-section-id^='tag/']"),
])
def test_the_api_docs_render_from_the_apps_origin_alone(page, live_server, path, rendered):
    asked, refused = [], []
    page.on("request", lambda request: asked.append(request.url))
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    page.set_viewport_size({"width": 1366, "height": 900})

    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(rendered, timeout=20_000)
    page.wait_for_load_state("networkidle")

    hosts = {urlsplit(url).netloc for url in asked if not url.startswith(("data:", "blob:"))}
    assert hosts == {urlsplit(live_server.url).netloc}, f"requests left the app's origin: {sorted(asked)}"
    assert refused == []  # nothing was even attempted outside and blocked by the page's policy
    assert "Junipeer partner API" in page.content()
