"""Articles in the Fortnox simulator: numbers, stock, searches."""

import pytest

from sandbox.fortnox import errors
from sandbox.fortnox import services as fortnox


def create(api, **fields):
    response = api.post("articles", {"Article": {"Description": "Wool Scarf", **fields}})
    assert response.status_code == 201, response.content
    return response.json()["Article"]


def error_code(response):
    return response.json()["ErrorInformation"]["code"]


def test_create_answers_201_with_location_and_defaults(fortnox_api):
    response = fortnox_api.post("articles", {"Article": {"ArticleNumber": "WS-200", "Description": "Wool Scarf"}})

    assert response.status_code == 201
    assert response["Location"] == "articles"
    article = response.json()["Article"]
    assert article["@url"] == "http://testserver/sandbox/fortnox/3/articles/WS-200"
    assert (article["Type"], article["SalesAccount"], article["VAT"], article["Active"]) == ("STOCK", 3001, 25, True)


def test_article_number_is_assigned_when_omitted(fortnox_api):
    assert create(fortnox_api)["ArticleNumber"] == "1"


@pytest.mark.parametrize("number", ["WS 200", "Tröja-1", "A,B", "A#1"])
def test_article_number_with_invalid_characters_is_2000359(fortnox_api, number):
    response = fortnox_api.post("articles", {"Article": {"ArticleNumber": number, "Description": "x"}})

    assert response.status_code == 400
    assert error_code(response) == 2000359


@pytest.mark.parametrize("number", ["AB-1_2+3.4", "a/b"])
def test_article_number_allows_letters_digits_and_some_punctuation(fortnox_api, number):
    create(fortnox_api, ArticleNumber=number)

    assert fortnox_api.get(f"articles/{number}").json()["Article"]["ArticleNumber"] == number


def test_description_is_required(fortnox_api):
    response = fortnox_api.post("articles", {"Article": {"ArticleNumber": "A1"}})

    assert error_code(response) == errors.FIELD_REQUIRED


@pytest.mark.parametrize(("field", "limit"), [("ArticleNumber", 50), ("Description", 200), ("EAN", 30)])
def test_field_over_its_length_limit_is_rejected(fortnox_api, field, limit):
    response = fortnox_api.post("articles", {"Article": {"Description": "x", field: "1" * (limit + 1)}})

    assert error_code(response) == errors.FIELD_TOO_LONG
    assert field in response.json()["ErrorInformation"]["message"]


def test_article_number_taken_is_refused(fortnox_api):
    create(fortnox_api, ArticleNumber="A1")

    response = fortnox_api.post("articles", {"Article": {"ArticleNumber": "A1", "Description": "again"}})

    assert error_code(response) == errors.ARTICLE_NUMBER_USED


def test_quantity_in_stock_is_rounded_and_disposable_is_stock_less_reserved(fortnox_api):
    create(fortnox_api, ArticleNumber="A1")

    article = fortnox_api.put("articles/A1", {"Article": {"QuantityInStock": 12.125}}).json()["Article"]

    assert article["QuantityInStock"] == 12.13
    assert article["ReservedQuantity"] == 0
    assert article["DisposableQuantity"] == 12.13


def test_put_is_partial_and_cannot_change_the_number(fortnox_api):
    create(fortnox_api, ArticleNumber="A1", EAN="735")

    updated = fortnox_api.put("articles/A1", {"Article": {"Description": "Scarf"}}).json()["Article"]
    renamed = fortnox_api.put("articles/A1", {"Article": {"ArticleNumber": "A2"}})

    assert (updated["Description"], updated["EAN"]) == ("Scarf", "735")
    assert renamed.status_code == 400


def test_unknown_article_is_404_with_2000428(fortnox_api):
    response = fortnox_api.get("articles/NOPE")

    assert response.json() == {"ErrorInformation": {"Error": 1, "Message": "Kan inte hitta artikeln.", "Code": 2000428}}


def test_delete_answers_204(fortnox_api):
    create(fortnox_api, ArticleNumber="A1")

    assert fortnox_api.delete("articles/A1").status_code == 204
    assert fortnox_api.get("articles/A1").status_code == 404


@pytest.mark.parametrize(("param", "value"), [("articlenumber", "ws"), ("description", "SCARF"), ("ean", "7350")])
def test_search_is_substring_and_case_insensitive(fortnox_api, param, value):
    create(fortnox_api, ArticleNumber="WS-1", Description="Wool Scarf", EAN="7350001")
    create(fortnox_api, ArticleNumber="C-1", Description="Coat", EAN="1111")

    found = fortnox_api.get("articles", **{param: value}).json()["Articles"]

    assert [article["ArticleNumber"] for article in found] == ["WS-1"]


def test_lastmodified_finds_articles_whose_stock_changed(fortnox_api):
    create(fortnox_api, ArticleNumber="A1")

    assert len(fortnox_api.get("articles", lastmodified="2020-01-01").json()["Articles"]) == 1
    assert fortnox_api.get("articles", lastmodified="2999-01-01 00:00").json()["Articles"] == []
    assert fortnox_api.get("articles", lastmodified="yesterday").json()["ErrorInformation"]["code"] == 2000588


def test_create_article_service_is_idempotent(fortnox_tenant):
    first = fortnox.create_article(fortnox_tenant, "A1", "Thing", quantity_in_stock=5, sales_price=99.5)
    again = fortnox.create_article(fortnox_tenant, "A1", "Other", quantity_in_stock=7)

    assert again.pk == first.pk
    assert (again.quantity_in_stock, again.data["SalesPrice"]) == (5, 99.5)
