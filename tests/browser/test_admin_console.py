"""Staff see the demo's integration, its runs record by record, and never a stored secret."""

import pytest

from integrations.flows.runner import run_flow
from integrations.models import Connection
from sandbox import demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(live_server):
    integration = demo.seed(live_server.url, fast=True)
    run_flow(integration.flows.get(kind="orders"))
    return integration


def log_in(page, live_server):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", demo.STAFF_USERNAME)
    page.fill("#id_password", demo.STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#console-dashboard")


def test_staff_follow_a_run_record_by_record(page, live_server, seeded):
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/integrations/syncrun/")
    assert "Completed with failed records" in page.inner_text("#result_list")
    page.click("#result_list tbody tr th a")
    records = page.inner_text("#records-group")
    assert records.count("created") >= 5
    assert "unknown_sku" in records
    assert "invalid_article_number" in records

    page.goto(f"{live_server.url}/admin/integrations/syncrecord/?error_code=unknown_sku")
    assert page.locator("#result_list tbody tr").count() == 1
    page.click("#result_list tbody tr .field-reference a")
    assert "Create the article in the ERP" in page.inner_text("#content")


def test_integration_page_shows_its_flows_inline(page, live_server, seeded):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/integrations/integration/{seeded.pk}/change/")
    kinds = [page.locator(f"#id_flows-{i}-kind").input_value() for i in range(5)]
    assert sorted(kinds) == ["customers", "orders", "products", "refunds", "stock"]
    assert all(page.locator(f"#id_flows-{i}-enabled").is_checked() for i in range(5))
    assert page.locator("#id_oss_accounts-0-country_code").input_value() == "DE"
    assert "Customer.Email" in page.locator("#field_mappings-group").inner_text()


def test_connection_credentials_are_write_only(page, live_server, seeded):
    log_in(page, live_server)
    target = Connection.objects.get(pk=seeded.target_id)
    secrets = [target.credentials["access_token"], target.credentials["refresh_token"],
               target.credentials["client_secret"]]

    page.goto(f"{live_server.url}/admin/integrations/connection/{target.pk}/change/")
    html = page.content()
    assert "refresh_token: ••••••••" in page.inner_text("#content")
    for secret in secrets:
        assert secret not in html
    assert page.locator("#id_client_secret").input_value() == ""
