"""Links to a record's documents in the systems' own web pages come from the connector descriptors."""

from integrations.domain.registry import descriptor


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
