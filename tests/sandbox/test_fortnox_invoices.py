"""Invoices in the Fortnox simulator: defaults, totals, validation, searches, and state rules."""

import datetime as dt

import pytest
from django.utils import timezone

from sandbox.fortnox import customers, errors
from sandbox.fortnox import services as fortnox


def invoice_body(customer_number="1", rows=None, **fields):
    rows = [{"Description": "Vara", "Price": 100, "DeliveredQuantity": 1}] if rows is None else rows
    return {"Invoice": {"CustomerNumber": customer_number, "InvoiceRows": rows, **fields}}


def create(api, **kwargs):
    response = api.post("invoices", invoice_body(**kwargs))
    assert response.status_code == 201, response.content
    return response.json()["Invoice"]


def error_code(response):
    return response.json()["ErrorInformation"]["code"]


def test_create_answers_201_with_location_and_fortnox_defaults(fortnox_api, fortnox_customer):
    response = fortnox_api.post("invoices", invoice_body())

    assert response.status_code == 201
    assert response["Location"] == "invoices"
    invoice = response.json()["Invoice"]
    today = timezone.localdate()
    assert invoice["DocumentNumber"] == "1"
    assert invoice["CustomerNumber"] == "1"
    assert invoice["@url"] == "http://testserver/sandbox/fortnox/3/invoices/1"
    assert (invoice["Currency"], invoice["TermsOfPayment"], invoice["InvoiceType"]) == ("SEK", "30", "INVOICE")
    assert invoice["InvoiceDate"] == today.isoformat()
    assert invoice["DueDate"] == (today + dt.timedelta(days=30)).isoformat()
    assert invoice["VATIncluded"] is False
    assert (invoice["Credit"], invoice["CreditInvoiceReference"], invoice["InvoiceReference"]) == ("false", "0", "0")
    assert (invoice["Booked"], invoice["Cancelled"], invoice["Sent"]) == (False, False, False)
    assert invoice["OCR"]
    row = invoice["InvoiceRows"][0]
    assert (row["AccountNumber"], row["DiscountType"], row["DeliveredQuantity"], row["VAT"]) == (
        3001, "PERCENT", "1.00", 25)
    assert isinstance(row["RowId"], int)


def test_customer_fields_are_copied_onto_the_invoice(fortnox_api, fortnox_customer):
    invoice = create(fortnox_api)

    assert (invoice["CustomerName"], invoice["Address1"], invoice["City"], invoice["Country"]) == (
        "Kund AB", "Storgatan 1", "Stockholm", "Sverige")
    assert invoice["EmailInformation"]["EmailAddressTo"] == "faktura@kund.example"


def test_sent_values_win_over_defaults(fortnox_api, fortnox_customer):
    invoice = create(fortnox_api, TermsOfPayment="10", InvoiceDate="2025-01-10", CustomerName="Other Name")

    assert invoice["DueDate"] == "2025-01-20"
    assert invoice["CustomerName"] == "Other Name"


def test_row_price_and_quantity_are_rounded_half_up_to_2_decimals(fortnox_api, fortnox_customer):
    invoice = create(fortnox_api, rows=[{"Description": "a", "Price": 1.125, "DeliveredQuantity": 1.125},
                                        {"Description": "b", "Price": 1.123, "DeliveredQuantity": "1.123"}])

    rows = invoice["InvoiceRows"]
    assert [(row["Price"], row["DeliveredQuantity"]) for row in rows] == [(1.13, "1.13"), (1.12, "1.12")]


def test_totals_add_vat_on_top_when_prices_exclude_vat(fortnox_api, fortnox_customer):
    invoice = create(fortnox_api, Freight=49, rows=[
        {"Description": "coat", "Price": 1000, "DeliveredQuantity": 2, "Discount": 10},
        {"Description": "book", "Price": 100, "DeliveredQuantity": 1, "VAT": 6, "AccountNumber": 3003},
    ])

    assert [row["Total"] for row in invoice["InvoiceRows"]] == [1800, 100]
    assert invoice["Net"] == 1900
    assert invoice["Gross"] == 1949
    assert invoice["FreightVAT"] == 12.25
    assert invoice["TotalVAT"] == 450 + 6 + 12.25
    assert invoice["Total"] == 1949 + 468.25
    assert invoice["Balance"] == invoice["Total"]
    assert invoice["RoundOff"] == 0


def test_totals_extract_vat_when_prices_include_vat(fortnox_api, fortnox_customer):
    rows = [{"Description": "coat", "Price": 1250, "DeliveredQuantity": 1}]

    invoice = create(fortnox_api, VATIncluded=True, rows=rows)

    assert invoice["Total"] == 1250
    assert invoice["TotalVAT"] == 250
    assert invoice["Net"] == 1000
    assert invoice["InvoiceRows"][0]["TotalExcludingVAT"] == 1000


def test_amount_discount_is_taken_off_the_row(fortnox_api, fortnox_customer):
    invoice = create(fortnox_api, rows=[{"Description": "x", "Price": 100, "DeliveredQuantity": 3,
                                         "Discount": 50, "DiscountType": "AMOUNT"}])

    assert invoice["InvoiceRows"][0]["Total"] == 250


def test_whole_unit_rounding_puts_the_difference_in_round_off(fortnox_api_for):
    tenant = fortnox.create_tenant("Rounding AB", rounding="whole")
    customers.create(tenant, {"Name": "Kund"})
    api = fortnox_api_for(tenant)

    invoice = create(api, rows=[{"Description": "x", "Price": 99.90, "DeliveredQuantity": 1}])

    assert invoice["TotalVAT"] == 24.98
    assert invoice["Total"] == 125
    assert invoice["RoundOff"] == 0.12


def test_article_row_takes_description_price_and_account_from_the_article(fortnox_api, fortnox_customer,
                                                                           fortnox_article):
    invoice = create(fortnox_api, rows=[{"ArticleNumber": "WC100-CAM-38", "DeliveredQuantity": 2}])

    row = invoice["InvoiceRows"][0]
    assert (row["Description"], row["Price"], row["AccountNumber"]) == ("Wool Coat Camel 38", 1000, 3001)
    assert invoice["Total"] == 2500


def test_eu_reverse_charge_customer_books_to_the_eu_account_without_vat(fortnox_api, fortnox_article):
    fortnox_api.post("customers", {"Customer": {"Name": "GmbH", "CountryCode": "DE", "VATType": "EUREVERSEDVAT"}})

    invoice = create(fortnox_api, rows=[{"ArticleNumber": "WC100-CAM-38", "DeliveredQuantity": 1}])

    assert invoice["InvoiceRows"][0]["AccountNumber"] == 3108
    assert invoice["TotalVAT"] == 0


def test_a_posted_invoice_with_a_negative_total_is_a_credit(fortnox_api, fortnox_customer):
    invoice = create(fortnox_api, rows=[{"Description": "return", "Price": 100, "DeliveredQuantity": -1}])

    assert invoice["Credit"] == "true"
    assert invoice["Total"] == -125


def test_missing_customer_number_is_required(fortnox_api, fortnox_customer):
    response = fortnox_api.post("invoices", {"Invoice": {"InvoiceRows": []}})

    assert response.status_code == 400
    assert error_code(response) == errors.FIELD_REQUIRED
    assert "CustomerNumber" in response.json()["ErrorInformation"]["message"]


def test_unknown_customer_is_a_400_with_2000433(fortnox_api):
    response = fortnox_api.post("invoices", invoice_body("404"))

    assert response.status_code == 400
    assert response.json()["ErrorInformation"] == {"error": 1, "message": "Kan inte hitta kunden.", "code": 2000433}


def test_row_with_a_missing_article_is_a_400_with_2000428(fortnox_api, fortnox_customer):
    response = fortnox_api.post("invoices", invoice_body(rows=[{"ArticleNumber": "NOPE", "DeliveredQuantity": 1}]))

    assert response.status_code == 400
    assert response.json()["ErrorInformation"] == {"error": 1, "message": "Kan inte hitta artikeln.", "code": 2000428}


def test_row_account_that_does_not_exist_is_2001304(fortnox_api, fortnox_customer):
    response = fortnox_api.post("invoices", invoice_body(rows=[{"Description": "x", "AccountNumber": 3999}]))

    assert response.status_code == 400
    assert error_code(response) == 2001304


def test_unknown_currency_is_rejected(fortnox_api, fortnox_customer):
    response = fortnox_api.post("invoices", invoice_body(Currency="XYZ"))

    assert error_code(response) == errors.CURRENCY_NOT_FOUND


def test_foreign_currency_takes_the_rate_of_the_currency_register(fortnox_api, fortnox_customer):
    invoice = create(fortnox_api, Currency="EUR")

    assert invoice["CurrencyRate"] == 11.2


def test_unknown_terms_of_payment_is_2000429(fortnox_api, fortnox_customer):
    assert error_code(fortnox_api.post("invoices", invoice_body(TermsOfPayment="99"))) == 2000429


def test_invoice_with_501_rows_is_rejected(fortnox_api, fortnox_customer):
    rows = [{"Description": f"row {n}", "Price": 1, "DeliveredQuantity": 1} for n in range(501)]

    response = fortnox_api.post("invoices", invoice_body(rows=rows))

    assert response.status_code == 400
    assert error_code(response) == errors.TOO_MANY_ROWS


def test_invoice_with_500_rows_is_accepted(fortnox_api, fortnox_customer):
    rows = [{"Description": f"row {n}", "Price": 1, "DeliveredQuantity": 1} for n in range(500)]

    assert len(create(fortnox_api, rows=rows)["InvoiceRows"]) == 500


def test_row_description_over_255_is_rejected(fortnox_api, fortnox_customer):
    assert fortnox_api.post("invoices", invoice_body(rows=[{"Description": "x" * 255}])).status_code == 201

    response = fortnox_api.post("invoices", invoice_body(rows=[{"Description": "x" * 256}]))

    assert response.status_code == 400
    assert error_code(response) == errors.FIELD_TOO_LONG
    assert "Description" in response.json()["ErrorInformation"]["message"]


@pytest.mark.parametrize(("field", "limit"), [("YourOrderNumber", 30), ("ExternalInvoiceReference1", 80),
                                              ("ExternalInvoiceReference2", 80), ("OurReference", 50),
                                              ("YourReference", 50)])
def test_header_field_over_its_length_limit_is_rejected(fortnox_api, fortnox_customer, field, limit):
    response = fortnox_api.post("invoices", invoice_body(**{field: "x" * (limit + 1)}))

    assert error_code(response) == errors.FIELD_TOO_LONG
    assert field in response.json()["ErrorInformation"]["message"]


def test_row_article_number_with_invalid_characters_is_2000359(fortnox_api, fortnox_customer):
    response = fortnox_api.post("invoices", invoice_body(rows=[{"ArticleNumber": "WC 100"}]))

    assert error_code(response) == 2000359


def test_numbers_must_be_numeric(fortnox_api, fortnox_customer):
    response = fortnox_api.post("invoices", invoice_body(rows=[{"Description": "x", "Price": "ten"}]))

    assert error_code(response) == 2000108


def test_unknown_invoice_is_404_with_2000434(fortnox_api):
    response = fortnox_api.get("invoices/77")

    assert response.json() == {"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta fakturan.", "Code": 2000434}}


def test_put_changes_header_and_keeps_rows(fortnox_api, fortnox_customer):
    create(fortnox_api)

    invoice = fortnox_api.put("invoices/1", {"Invoice": {"YourReference": "Anna"}}).json()["Invoice"]

    assert invoice["YourReference"] == "Anna"
    assert len(invoice["InvoiceRows"]) == 1


def test_put_rows_by_row_id_updates_those_and_drops_the_rest(fortnox_api, fortnox_customer):
    rows = [{"Description": "a", "Price": 10, "DeliveredQuantity": 1},
            {"Description": "b", "Price": 20, "DeliveredQuantity": 1}]
    first, second = create(fortnox_api, rows=rows)["InvoiceRows"]

    invoice = fortnox_api.put("invoices/1", {"Invoice": {"InvoiceRows": [
        {"RowId": second["RowId"], "DeliveredQuantity": 3}, {"Description": "c", "Price": 5, "DeliveredQuantity": 1},
    ]}}).json()["Invoice"]

    assert [(row["Description"], row["DeliveredQuantity"]) for row in invoice["InvoiceRows"]] == [
        ("b", "3.00"), ("c", "1.00")]
    assert {row["RowId"] for row in invoice["InvoiceRows"]}.isdisjoint({first["RowId"], second["RowId"]})
    assert invoice["Net"] == 65


def test_put_rows_without_row_ids_match_by_position(fortnox_api, fortnox_customer):
    create(fortnox_api, rows=[{"Description": "a", "Price": 10, "DeliveredQuantity": 1},
                              {"Description": "b", "Price": 20, "DeliveredQuantity": 1}])

    invoice = fortnox_api.put("invoices/1", {"Invoice": {"InvoiceRows": [{"Price": 11}]}}).json()["Invoice"]

    assert [(row["Description"], row["Price"]) for row in invoice["InvoiceRows"]] == [("a", 11)]


def test_empty_country_on_put_does_not_clear_it(fortnox_api, fortnox_customer):
    create(fortnox_api, Country="Norway")

    invoice = fortnox_api.put("invoices/1", {"Invoice": {"Country": ""}}).json()["Invoice"]

    assert invoice["Country"] == "Norway"


def test_bookkeep_sets_booked_and_a_voucher(fortnox_api, fortnox_customer):
    create(fortnox_api)

    invoice = fortnox_api.put("invoices/1/bookkeep").json()["Invoice"]

    assert invoice["Booked"] is True
    assert (invoice["VoucherSeries"], invoice["VoucherNumber"]) == ("B", 1)


def test_booked_invoice_cannot_be_changed(fortnox_api, fortnox_customer):
    create(fortnox_api)
    fortnox_api.put("invoices/1/bookkeep")

    response = fortnox_api.put("invoices/1", {"Invoice": {"YourReference": "late"}})

    assert response.status_code == 400
    assert error_code(response) == errors.DOCUMENT_LOCKED
    assert error_code(fortnox_api.put("invoices/1/cancel")) == errors.DOCUMENT_LOCKED


def test_cancelled_invoice_cannot_be_changed_or_booked(fortnox_api, fortnox_customer):
    create(fortnox_api)

    assert fortnox_api.put("invoices/1/cancel").json()["Invoice"]["Cancelled"] is True
    assert error_code(fortnox_api.put("invoices/1", {"Invoice": {"Remarks": "x"}})) == errors.DOCUMENT_LOCKED
    assert error_code(fortnox_api.put("invoices/1/bookkeep")) == errors.DOCUMENT_LOCKED


def test_externalprint_marks_the_invoice_sent(fortnox_api, fortnox_customer):
    create(fortnox_api)

    assert fortnox_api.put("invoices/1/externalprint/").json()["Invoice"]["Sent"] is True


def test_credit_negates_quantities_and_links_both_invoices(fortnox_api, fortnox_customer):
    create(fortnox_api, rows=[{"Description": "coat", "Price": 1000, "DeliveredQuantity": 2}])
    fortnox_api.put("invoices/1/bookkeep")

    original = fortnox_api.put("invoices/1/credit").json()["Invoice"]
    credit = fortnox_api.get("invoices/2").json()["Invoice"]

    assert original["CreditInvoiceReference"] == "2"
    assert credit["Credit"] == "true"
    assert credit["InvoiceReference"] == "1"
    assert credit["CreditInvoiceReference"] == "0"
    assert credit["Booked"] is False
    row = credit["InvoiceRows"][0]
    assert (row["DeliveredQuantity"], row["Price"]) == ("-2.00", 1000)
    assert (credit["Net"], credit["TotalVAT"], credit["Total"]) == (-2000, -500, -2500)


def test_an_invoice_is_credited_only_once(fortnox_api, fortnox_customer):
    create(fortnox_api)
    fortnox_api.put("invoices/1/credit")

    assert error_code(fortnox_api.put("invoices/1/credit")) == errors.DOCUMENT_LOCKED
    assert error_code(fortnox_api.put("invoices/2/credit")) == errors.DOCUMENT_LOCKED


def test_credit_can_require_a_booked_invoice(fortnox_api_for):
    tenant = fortnox.create_tenant("Strict AB", credit_requires_booked=True)
    customers.create(tenant, {"Name": "Kund"})
    api = fortnox_api_for(tenant)
    create(api)

    assert error_code(api.put("invoices/1/credit")) == errors.DOCUMENT_LOCKED
    api.put("invoices/1/bookkeep")
    assert api.put("invoices/1/credit").status_code == 200


def test_booking_can_draw_stock(fortnox_api_for):
    tenant = fortnox.create_tenant("Stock AB", stock_deduction="bookkeep")
    customers.create(tenant, {"Name": "Kund"})
    fortnox.create_article(tenant, "A1", "Thing", quantity_in_stock=10)
    api = fortnox_api_for(tenant)
    create(api, rows=[{"ArticleNumber": "A1", "DeliveredQuantity": 3}])

    api.put("invoices/1/bookkeep")

    assert api.get("articles/A1").json()["Article"]["QuantityInStock"] == 7


def test_search_by_external_invoice_reference(fortnox_api, fortnox_customer):
    create(fortnox_api, ExternalInvoiceReference1="order-1001")
    create(fortnox_api, ExternalInvoiceReference1="order-2002", YourOrderNumber="2002")

    found = fortnox_api.get("invoices", externalinvoicereference1="1001").json()["Invoices"]
    by_order = fortnox_api.get("invoices", yourordernumber="2002").json()["Invoices"]

    assert [invoice["DocumentNumber"] for invoice in found] == ["1"]
    assert [invoice["DocumentNumber"] for invoice in by_order] == ["2"]


def test_invalid_filter_is_2000587(fortnox_api):
    response = fortnox_api.get("invoices", filter="everything")

    assert response.status_code == 400
    assert response.json() == {"ErrorInformation": {"error": 1, "message": "Ett ogiltigt filter har använts.",
                                                    "code": 2000587}}


def test_filters_follow_the_invoice_state(fortnox_api, fortnox_customer):
    for _ in range(3):
        create(fortnox_api)
    fortnox_api.put("invoices/1/bookkeep")
    fortnox_api.put("invoices/2/cancel")

    def numbers(**params):
        return [invoice["DocumentNumber"] for invoice in fortnox_api.get("invoices", **params).json()["Invoices"]]

    assert numbers(filter="unbooked") == ["3"]
    assert numbers(filter="cancelled") == ["2"]
    assert numbers(filter="unpaid") == ["1", "3"]
    assert numbers(filter="unpaidoverdue") == []
    assert numbers(credit="false") == ["1", "2", "3"]


def test_lastmodified_lists_only_recent_changes(fortnox_api, fortnox_customer):
    create(fortnox_api)
    future = (timezone.localtime() + dt.timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")

    assert fortnox_api.get("invoices", lastmodified="2020-01-01 00:00").json()["MetaInformation"][
        "@TotalResources"] == 1
    assert fortnox_api.get("invoices", lastmodified=future).json()["Invoices"] == []


def test_service_view_matches_what_get_shows(fortnox_api, fortnox_customer, fortnox_tenant):
    create(fortnox_api)

    assert fortnox.invoices(fortnox_tenant) == [fortnox_api.get("invoices/1").json()["Invoice"]]


def test_a_record_read_with_get_can_be_put_back_unchanged(fortnox_api, fortnox_customer, fortnox_article):
    create(fortnox_api, rows=[{"ArticleNumber": "WC100-CAM-38", "DeliveredQuantity": 1}])
    before = fortnox_api.get("invoices/1").json()

    after = fortnox_api.put("invoices/1", before).json()["Invoice"]

    unchanged = {name: value for name, value in after.items() if name != "InvoiceRows"}
    assert unchanged == {name: value for name, value in before["Invoice"].items() if name != "InvoiceRows"}
    assert [row["Total"] for row in after["InvoiceRows"]] == [row["Total"] for row in before["Invoice"]["InvoiceRows"]]
