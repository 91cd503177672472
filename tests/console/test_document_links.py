"""Links to a record's documents in the systems' own web pages come from the connector descriptors."""

import pytest

from integrations.domain.registry import descriptor
from integrations.flows.base import SourceRecord
from integrations.flows.kept_source import SOURCE_MAX_CHARS, kept_source
from integrations.models import SyncRecord, SyncRun
from tests import factories


def test_a_fortnox_invoice_page_is_built_on_the_connections_web_host():
    url = descriptor("fortnox").document_url("invoice", auth_url="https://apps.fortnox.se/", number="4711")
    assert url == "https://apps.fortnox.se/fs/fs/invoice/4711"


def test_a_business_central_posted_invoice_opens_in_the_tenants_environment():
    url = descriptor("business_central").document_url("invoice", tenant="contoso.onmicrosoft.com",
                                                      environment="production", number="PS-INV103001")
    assert url == ("https://businesscentral.dynamics.com/contoso.onmicrosoft.com/production/?page=132"
                   "&filter=%27No.%27%20IS%20%27PS-INV103001%27")


def test_the_centra_order_page_is_on_the_stores_host():
    url = descriptor("centra").document_url("order", base_url="https://shop.centra.com", number="10001")
    assert url == "https://shop.centra.com/ams/order?order=10001"


def test_a_missing_value_or_unknown_document_gives_no_link():
    fortnox = descriptor("fortnox")
    assert fortnox.document_url("invoice", auth_url="https://apps.fortnox.se", number="") == ""
    assert fortnox.document_url("stock", auth_url="https://apps.fortnox.se", number="1") == ""
    assert descriptor("business_central").document_url("invoice", tenant="t", number="1") == ""


def test_a_number_cannot_change_the_address_it_is_put_into():
    url = descriptor("fortnox").document_url("invoice", auth_url="https://apps.fortnox.se", number="1/../x?y=1#z")
    assert url == "https://apps.fortnox.se/fs/fs/invoice/1%2F..%2Fx%3Fy%3D1%23z"


@pytest.mark.django_db
def test_the_record_page_links_to_the_centra_order_and_the_erp_document(admin_client):
    org = factories.organization("links")
    integration = factories.integration(factories.centra_connection(org), factories.fortnox_connection(org))
    run = SyncRun.objects.create(flow=integration.flows.get(kind="orders"), trigger="schedule")
    created = SyncRecord.objects.create(run=run, integration=integration, object_type="invoice", source_id="7",
                                        source_ref="10001-1", order_number="10001", status="created", target_id="42")
    failed = SyncRecord.objects.create(run=run, integration=integration, object_type="invoice", source_id="8",
                                       source_ref="10002-1", order_number="10002", status="failed",
                                       error_code="unknown_sku")

    page = admin_client.get(f"/admin/integrations/syncrecord/{created.pk}/change/").content.decode()
    assert 'href="https://shop.centra.test/ams/order?order=10001"' in page
    assert 'href="https://apps.fortnox.test/fs/fs/invoice/42"' in page
    page = admin_client.get(f"/admin/integrations/syncrecord/{failed.pk}/change/").content.decode()
    assert 'href="https://shop.centra.test/ams/order?order=10002"' in page
    assert "erp-document-link" not in page  # no document yet, so nothing to open


@pytest.mark.django_db
def test_the_record_page_shows_the_source_record_as_fetched_without_its_secrets(admin_client):
    org = factories.organization("source")
    integration = factories.integration(factories.centra_connection(org), factories.fortnox_connection(org))
    run = SyncRun.objects.create(flow=integration.flows.get(kind="orders"), trigger="schedule")
    fetched = SourceRecord("7", {"order": {"number": 10001, "paymentMethod": {"name": "Klarna Checkout"},
                                           "api_token": "leaked-token-value"}, "shipment": {"id": 7}},
                           source_ref="10001-1")
    record = SyncRecord.objects.create(run=run, integration=integration, object_type="invoice", source_id="7",
                                       source_ref="10001-1", status="created", source=kept_source(fetched))

    page = admin_client.get(f"/admin/integrations/syncrecord/{record.pk}/change/").content.decode()

    assert 'id="record-source"' in page
    assert "Klarna Checkout" in page
    assert "leaked-token-value" not in page


def test_a_huge_source_record_is_kept_as_its_beginning_with_a_note():
    fetched = SourceRecord("7", {"order": {"lines": ["x" * 100] * 2000}})
    kept = kept_source(fetched)
    assert kept["truncated"].startswith(f"The first {SOURCE_MAX_CHARS} of ")
    assert len(kept["excerpt"]) == SOURCE_MAX_CHARS
