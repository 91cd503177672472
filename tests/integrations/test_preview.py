"""The preview shows the exact documents a flow would send, and sends nothing."""

import pytest

from integrations.preview import UNKNOWN_CUSTOMER, preview

pytestmark = pytest.mark.django_db(transaction=True)


def test_preview_shows_the_invoice_and_customer_without_sending_them(world):
    shipment = world.ship(world.order(("COAT", 1, "1350", "1500"), shipping="49"))

    result = preview(world.flow, str(shipment.pk))

    invoice = result["documents"]["Invoice"]
    assert invoice["ExternalInvoiceReference1"] == f"centra-shipment-{shipment.pk}"
    assert invoice["CustomerNumber"] == UNKNOWN_CUSTOMER
    assert [row["Description"] for row in invoice["InvoiceRows"]] == ["Wool Coat", "Shipping"]
    assert result["documents"]["Customer"]["Email"] == "anna.berg@example.com"
    assert world.invoices() == []
    assert world.customers() == []


def test_preview_of_a_bad_record_shows_the_error_and_what_to_do(world):
    shipment = world.ship(world.order(("SOCK", 1, "99")))
    result = preview(world.flow, "999999")

    assert result["error"] == "not_found"
    assert "Centra has no shipment" in result["message"]
    # an unknown SKU is found by the push, not by the dry run: the preview still shows the row
    assert preview(world.flow, str(shipment.pk))["documents"]["Invoice"]["InvoiceRows"][0]["ArticleNumber"] == "SOCK"


def test_preview_page_in_the_admin(world, admin_client):
    shipment = world.ship(world.order(("COAT", 1, "1500")))

    page = admin_client.get(f"/admin/integrations/flow/{world.flow.pk}/preview/", {"source_id": shipment.pk})

    assert page.status_code == 200
    assert f"centra-shipment-{shipment.pk}" in page.content.decode()
