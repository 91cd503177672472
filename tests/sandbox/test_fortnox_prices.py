"""Price lists and prices in the Fortnox simulator: list "A" exists, SalesPrice follows it."""

import pytest

from sandbox.fortnox import errors
from sandbox.fortnox import services as fortnox


def error_code(response):
    """400s carry `code`, 404s `Code` (fortnox.md §3.1)."""
    info = response.json()["ErrorInformation"]
    return info.get("code", info.get("Code"))


def post_price(api, **fields):
    return api.post("prices", {"Price": {"ArticleNumber": "WC100-CAM-38", "PriceList": "A", "Price": 1500,
                                         **fields}})


def test_every_company_starts_with_the_default_price_list_a(fortnox_api):
    body = fortnox_api.get("pricelists").json()

    assert body["MetaInformation"]["@TotalResources"] == 1
    [price_list] = body["PriceLists"]
    assert (price_list["Code"], price_list["PreSelected"]) == ("A", True)
    assert price_list["@url"] == "http://testserver/sandbox/fortnox/3/pricelists/A"


def test_price_list_is_created_and_read_by_code(fortnox_api):
    response = fortnox_api.post("pricelists", {"PriceList": {"Code": "B2B", "Description": "Retailers"}})

    assert response.status_code == 201
    assert response["Location"] == "pricelists"
    assert fortnox_api.get("pricelists/B2B").json()["PriceList"]["Description"] == "Retailers"


def test_price_list_code_is_unique(fortnox_api):
    response = fortnox_api.post("pricelists", {"PriceList": {"Code": "A", "Description": "Again"}})

    assert error_code(response) == errors.PRICE_LIST_CODE_USED


def test_unknown_price_list_is_404(fortnox_api):
    response = fortnox_api.get("pricelists/NOPE")

    assert response.status_code == 404
    assert error_code(response) == errors.PRICE_LIST_NOT_FOUND_404


def test_price_on_list_a_becomes_the_articles_sales_price(fortnox_api, fortnox_article):
    response = post_price(fortnox_api, Price=1499.5)

    assert response.status_code == 201
    price = response.json()["Price"]
    assert (price["ArticleNumber"], price["PriceList"], price["FromQuantity"], price["Price"]) == (
        "WC100-CAM-38", "A", 0, 1499.5)
    assert price["@url"].endswith("/3/prices/A/WC100-CAM-38/0")
    assert fortnox_api.get("articles/WC100-CAM-38").json()["Article"]["SalesPrice"] == 1499.5


def test_price_on_another_list_leaves_sales_price_alone(fortnox_api, fortnox_article):
    fortnox.create_price_list(fortnox_article.tenant, "B2B")

    post_price(fortnox_api, PriceList="B2B", Price=900)

    assert fortnox_api.get("articles/WC100-CAM-38").json()["Article"]["SalesPrice"] == 1000
    assert fortnox.price_of(fortnox_article.tenant, "WC100-CAM-38", "B2B") == 900


def test_price_is_read_with_and_without_from_quantity(fortnox_api, fortnox_article):
    post_price(fortnox_api)

    assert fortnox_api.get("prices/A/WC100-CAM-38/0").json()["Price"]["Price"] == 1500
    assert fortnox_api.get("prices/A/WC100-CAM-38").json()["Price"]["Price"] == 1500


def test_price_is_updated_by_put(fortnox_api, fortnox_article):
    post_price(fortnox_api)

    response = fortnox_api.put("prices/A/WC100-CAM-38/0", {"Price": {"Price": 1299}})

    assert response.status_code == 200
    assert response.json()["Price"]["Price"] == 1299
    assert fortnox.price_of(fortnox_article.tenant, "WC100-CAM-38") == 1299


def test_second_price_for_the_same_step_is_refused(fortnox_api, fortnox_article):
    post_price(fortnox_api)

    assert error_code(post_price(fortnox_api, Price=1)) == errors.PRICE_EXISTS


def test_quantity_steps_are_listed_in_the_sublist(fortnox_api, fortnox_article):
    post_price(fortnox_api)
    post_price(fortnox_api, FromQuantity=10, Price=1350)

    prices = fortnox_api.get("prices/sublist/A/WC100-CAM-38").json()["Prices"]

    assert [(p["FromQuantity"], p["Price"]) for p in prices] == [(0, 1500), (10, 1350)]


@pytest.mark.parametrize(("fields", "code"), [
    ({"ArticleNumber": "MISSING"}, errors.ARTICLE_NOT_FOUND),
    ({"PriceList": "NOPE"}, errors.PRICE_LIST_NOT_FOUND_404),
    ({"Price": None}, errors.FIELD_REQUIRED),
])
def test_price_needs_an_existing_article_list_and_a_value(fortnox_api, fortnox_article, fields, code):
    assert error_code(post_price(fortnox_api, **fields)) == code


def test_missing_price_is_404_and_delete_removes_it(fortnox_api, fortnox_article):
    assert fortnox_api.get("prices/A/WC100-CAM-38/0").status_code == 404
    post_price(fortnox_api)

    assert fortnox_api.delete("prices/A/WC100-CAM-38/0").status_code == 204
    assert fortnox.price_of(fortnox_article.tenant, "WC100-CAM-38") is None


def test_prices_need_the_price_scope(client, fortnox_tenant, fortnox_app):
    from tests.sandbox.conftest import FortnoxApi

    token = fortnox.issue_tokens(fortnox_tenant, fortnox_app, scope="article")["access_token"]

    response = FortnoxApi(client, token).get("pricelists")

    assert response.status_code == 403
    assert error_code(response) == errors.NO_SCOPE
