"""Customers in the Fortnox simulator, and the rules every resource shares (envelopes, lists)."""

import pytest

from sandbox.fortnox import errors
from sandbox.fortnox.models import Customer


def create(api, **fields):
    response = api.post("customers", {"Customer": {"Name": "Kund AB", **fields}})
    assert response.status_code == 201, response.content
    return response.json()["Customer"]


def test_create_answers_201_with_location_and_fortnox_defaults(fortnox_api):
    response = fortnox_api.post("customers", {"Customer": {"Name": "A value"}})

    assert response.status_code == 201
    assert response["Location"] == "customers"
    customer = response.json()["Customer"]
    assert customer["CustomerNumber"] == "1"
    assert customer["@url"] == "http://testserver/sandbox/fortnox/3/customers/1"
    assert (customer["Type"], customer["VATType"], customer["Currency"], customer["PriceList"]) == (
        "COMPANY", "SEVAT", "SEK", "A")
    assert customer["Active"] is True
    assert customer["ShowPriceVATIncluded"] is False
    assert customer["Address1"] is None
    assert customer["Email"] == ""
    assert customer["DefaultDeliveryTypes"] == {"Invoice": "PRINT", "Offer": "PRINT", "Order": "PRINT"}


def test_country_is_derived_from_country_code(fortnox_api):
    assert create(fortnox_api, CountryCode="SE")["Country"] == "Sverige"
    assert create(fortnox_api, CountryCode="NO")["Country"] == "Norway"


def test_country_is_read_only(fortnox_api):
    customer = create(fortnox_api, CountryCode="SE")

    updated = fortnox_api.put(f"customers/{customer['CustomerNumber']}", {"Customer": {"Country": "Norway"}})

    assert updated.json()["Customer"]["Country"] == "Sverige"


def test_customer_numbers_are_assigned_in_sequence(fortnox_api):
    assert [create(fortnox_api)["CustomerNumber"] for _ in range(3)] == ["1", "2", "3"]


def test_chosen_customer_number_is_kept_and_skipped_by_the_sequence(fortnox_api):
    assert create(fortnox_api, CustomerNumber="2")["CustomerNumber"] == "2"

    assert [create(fortnox_api)["CustomerNumber"] for _ in range(2)] == ["1", "3"]


def test_customer_number_reused_after_delete_is_refused_with_2000637(fortnox_api):
    create(fortnox_api, CustomerNumber="7")
    assert fortnox_api.delete("customers/7").status_code == 204
    assert fortnox_api.get("customers/7").status_code == 404

    response = fortnox_api.post("customers", {"Customer": {"Name": "Again", "CustomerNumber": "7"}})

    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == 2000637


def test_put_is_partial(fortnox_api):
    create(fortnox_api, Email="a@example.com", City="Lund")

    response = fortnox_api.put("customers/1/", {"Customer": {"City": "Malmö"}})

    assert response.status_code == 200
    customer = response.json()["Customer"]
    assert (customer["City"], customer["Email"], customer["Name"]) == ("Malmö", "a@example.com", "Kund AB")


def test_404_errors_use_pascal_case_keys(fortnox_api):
    response = fortnox_api.get("customers/999")

    assert response.status_code == 404
    assert response.json() == {"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta kunden.", "Code": 2000433}}


def test_400_errors_use_lower_case_keys(fortnox_api):
    response = fortnox_api.post("customers", {"Customer": {"Name": "X", "Colour": "red"}})

    assert response.status_code == 400
    assert response.json() == {"ErrorInformation": {"error": 1, "message": "Felaktigt fältnamn (Colour)",
                                                    "code": 2001399}}


def test_messages_are_swedish_and_json_escaped(fortnox_api):
    response = fortnox_api.post("customers", {"Customer": {"Name": "X", "Colour": "red"}})

    assert b"f\\u00e4ltnamn" in response.content


def test_bad_json_is_2002115(fortnox_api):
    response = fortnox_api.post("customers", '{"Customer": {"Name": ')

    assert response.json()["ErrorInformation"]["code"] == 2002115


@pytest.mark.parametrize("body", [{"Name": "X"}, {"Customers": {"Name": "X"}}, {"Customer": ["X"]}, ""])
def test_missing_or_wrong_wrapper_is_2001392(fortnox_api, body):
    response = fortnox_api.post("customers", body)

    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == 2001392


def test_name_is_required(fortnox_api):
    response = fortnox_api.post("customers", {"Customer": {"Email": "a@example.com"}})

    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == errors.FIELD_REQUIRED
    assert "Name" in response.json()["ErrorInformation"]["message"]


@pytest.mark.parametrize(("field", "limit"), [("ZipCode", 10), ("Name", 1024), ("OurReference", 50),
                                              ("OrganisationNumber", 30)])
def test_field_over_its_length_limit_is_rejected(fortnox_api, field, limit):
    fortnox_api.post("customers", {"Customer": {"Name": "X", field: "x" * limit}})

    response = fortnox_api.post("customers", {"Customer": {"Name": "X", field: "x" * (limit + 1)}})

    assert response.status_code == 400
    assert response.json()["ErrorInformation"]["code"] == errors.FIELD_TOO_LONG
    assert field in response.json()["ErrorInformation"]["message"]


def test_unknown_currency_is_rejected(fortnox_api):
    response = fortnox_api.post("customers", {"Customer": {"Name": "X", "Currency": "XYZ"}})

    assert response.json()["ErrorInformation"]["code"] == errors.CURRENCY_NOT_FOUND


def test_unknown_sales_account_is_2001304(fortnox_api):
    response = fortnox_api.post("customers", {"Customer": {"Name": "X", "SalesAccount": "3999"}})

    assert response.json()["ErrorInformation"]["code"] == 2001304


def test_sales_account_sent_as_string_comes_back_as_number(fortnox_api):
    assert create(fortnox_api, SalesAccount="3001")["SalesAccount"] == 3001


def test_list_is_paginated_with_meta_information(fortnox_api):
    for _ in range(7):
        create(fortnox_api)

    body = fortnox_api.get("customers", limit=3, page=3).json()

    assert list(body) == ["MetaInformation", "Customers"]
    assert body["MetaInformation"] == {"@TotalResources": 7, "@TotalPages": 3, "@CurrentPage": 3}
    assert [customer["CustomerNumber"] for customer in body["Customers"]] == ["7"]


def test_list_offset_skips_records(fortnox_api):
    for _ in range(4):
        create(fortnox_api)

    body = fortnox_api.get("customers", offset=1, limit=2).json()

    assert [customer["CustomerNumber"] for customer in body["Customers"]] == ["2", "3"]


def test_list_items_are_a_subset_with_phone(fortnox_api):
    create(fortnox_api, Phone1="08-123")

    item = fortnox_api.get("customers").json()["Customers"][0]

    assert set(item) == {"@url", "Address1", "Address2", "City", "CustomerNumber", "Email", "Name",
                         "OrganisationNumber", "Phone", "ZipCode"}
    assert item["Phone"] == "08-123"


def test_limit_is_capped_at_500(fortnox_api):
    create(fortnox_api)

    assert fortnox_api.get("customers", limit=10_000).json()["MetaInformation"]["@TotalPages"] == 1


def test_bad_paging_parameter_is_2000588(fortnox_api):
    assert fortnox_api.get("customers", page="zero").json()["ErrorInformation"]["code"] == 2000588


@pytest.mark.parametrize(("param", "value"), [("email", "ANNA@"), ("name", "berg"),
                                              ("organisationnumber", "5566"), ("customernumber", "2")])
def test_search_is_substring_and_case_insensitive(fortnox_api, param, value):
    create(fortnox_api, Name="Other", Email="other@example.com", OrganisationNumber="111111-1111")
    create(fortnox_api, Name="Anna Berg", Email="anna@example.com", OrganisationNumber="556677-8899")

    found = fortnox_api.get("customers", **{param: value}).json()["Customers"]

    assert [customer["Name"] for customer in found] == ["Anna Berg"]


def test_deleted_customers_are_not_listed(fortnox_api):
    create(fortnox_api)
    fortnox_api.delete("customers/1")

    assert fortnox_api.get("customers").json()["Customers"] == []


def test_customer_filter_must_be_known(fortnox_api):
    assert fortnox_api.get("customers", filter="active").status_code == 200
    assert fortnox_api.get("customers", filter="sleepy").json()["ErrorInformation"]["code"] == 2000587


def test_wrong_method_is_405(fortnox_api):
    assert fortnox_api.delete("customers").status_code == 405


def test_a_record_read_with_get_can_be_put_back_unchanged(fortnox_api):
    create(fortnox_api, CountryCode="SE", SalesAccount=3001)
    before = fortnox_api.get("customers/1").json()

    assert fortnox_api.put("customers/1", before).json() == before


# Keys of the real create answer (REC customers/save_new) plus the four the newer spec adds (§5.1).
RECORD_KEYS = {
    "@url", "Active", "Address1", "Address2", "City", "Comments", "CostCenter", "Country", "CountryCode",
    "Currency", "CustomerNumber", "DefaultDeliveryTypes", "DefaultTemplates", "DeliveryAddress1", "DeliveryAddress2",
    "DeliveryCity", "DeliveryCountry", "DeliveryCountryCode", "DeliveryFax", "DeliveryName", "DeliveryPhone1",
    "DeliveryPhone2", "DeliveryZipCode", "Email", "EmailInvoice", "EmailInvoiceBCC", "EmailInvoiceCC", "EmailOffer",
    "EmailOfferBCC", "EmailOfferCC", "EmailOrder", "EmailOrderBCC", "EmailOrderCC", "ExternalReference", "Fax",
    "GLN", "GLNDelivery", "InvoiceAdministrationFee", "InvoiceDiscount", "InvoiceFreight", "InvoiceRemark", "Name",
    "OrganisationNumber", "OurReference", "Phone1", "Phone2", "PriceList", "Project", "SalesAccount",
    "ShowPriceVATIncluded", "TermsOfDelivery", "TermsOfPayment", "Type", "VATNumber", "VATType", "VisitingAddress",
    "VisitingCity", "VisitingCountry", "VisitingCountryCode", "VisitingZipCode", "WayOfDelivery", "WWW",
    "YourReference", "ZipCode",
}
UNSET_ADDRESS_FIELDS = ("Address1", "Address2", "City", "ZipCode", "CountryCode", "Country", "Phone1", "Fax",
                        "DeliveryAddress1", "DeliveryZipCode", "VisitingAddress", "VisitingZipCode")


def test_customer_read_back_has_every_key_of_the_real_record_with_nulls_for_unset_addresses(fortnox_api):
    created = fortnox_api.post("customers", {"Customer": {"Name": "A value"}}).json()["Customer"]
    read = fortnox_api.get("customers/1").json()["Customer"]
    updated = fortnox_api.put("customers/1", {"Customer": {"Comments": "VIP"}}).json()["Customer"]

    for customer in (created, read, updated):
        assert set(customer) == RECORD_KEYS
        assert all(customer[name] is None for name in UNSET_ADDRESS_FIELDS)
        assert customer["Email"] == customer["EmailInvoice"] == ""
        assert (customer["Active"], customer["ShowPriceVATIncluded"]) == (True, False)
    assert updated["Comments"] == "VIP"


def test_customer_stored_without_some_keys_still_reads_back_with_all_of_them(fortnox_api, fortnox_tenant):
    """Rows written before a key was known (or seeded directly) must not answer with fewer keys."""
    Customer.objects.create(tenant=fortnox_tenant, customer_number="50", name="Old AB", data={"Name": "Old AB"})

    customer = fortnox_api.get("customers/50").json()["Customer"]

    assert set(customer) == RECORD_KEYS
    assert (customer["ZipCode"], customer["Email"], customer["Name"]) == (None, None, "Old AB")


def test_list_items_show_unset_fields_as_the_full_record_does(fortnox_api):
    create(fortnox_api, Name="A value")

    item = fortnox_api.get("customers").json()["Customers"][0]

    assert (item["Address1"], item["ZipCode"], item["Phone"], item["Email"]) == (None, None, None, "")
