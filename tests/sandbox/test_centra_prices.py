"""Prices per variant and pricelist: the `prices` list, `setPrices` and the `set_price` seeding service."""

from decimal import Decimal

import pytest

from integrations.connectors.centra.catalog import PRICES_QUERY
from sandbox.centra import services as centra
from sandbox.centra.models import Price, Pricelist

SET_PRICES = """
mutation SetPrices($input: SetPricesInput!) {
  setPrices(input: $input) {
    pricelist { id name }
    prices { id productVariant { id } price { value currency { code } formattedValue } }
    userErrors { message path }
  }
}
"""


def variant(store, product_number):
    return store.products.get(product_number=product_number).variants.get()


def pricelist(store, name):
    return store.pricelists.get(name=name)


def price_rows(centra_gql, store, where, *, limit=100, page=1):
    body = centra_gql(store, PRICES_QUERY, {"where": where, "limit": limit, "page": page}).json()
    assert "errors" not in body, body
    return body["data"]["prices"]


def set_prices(centra_gql, store, pricelist_id, *items, token=None):
    prices = [{"productVariant": {"id": v}, "price": price} for v, price in items]
    body = centra_gql(store, SET_PRICES, {"input": {"pricelist": {"id": pricelist_id}, "prices": prices}},
                      token=token).json()
    assert "errors" not in body, body
    return body["data"]["setPrices"]


def test_engine_prices_query_reads_each_variants_price_on_one_pricelist(centra_gql, centra_store):
    coat, scarf = variant(centra_store, "WC100"), variant(centra_store, "WS200")
    centra.set_price(centra_store, coat, "SEK", Decimal("1499.50"))
    centra.set_price(centra_store, scarf, "SEK", 149)
    centra.set_price(centra_store, coat, "NOK", 1599)  # another pricelist: not in the answer
    sek = pricelist(centra_store, "SEK")

    rows = price_rows(centra_gql, centra_store, {"pricelistId": [sek.pk], "productVariantId": [coat.pk, scarf.pk]})

    assert rows == [
        {"productVariant": {"id": coat.pk}, "price": {"value": 1499.5, "currency": {"code": "SEK"}}},
        {"productVariant": {"id": scarf.pk}, "price": {"value": 149.0, "currency": {"code": "SEK"}}},
    ]


def test_prices_filter_by_variant_and_a_variant_without_price_is_absent(centra_gql, centra_store):
    coat, scarf = variant(centra_store, "WC100"), variant(centra_store, "WS200")
    centra.set_price(centra_store, coat, "SEK", 1499)
    sek = pricelist(centra_store, "SEK")

    only_scarf = price_rows(centra_gql, centra_store, {"pricelistId": [sek.pk], "productVariantId": [scarf.pk]})
    everything = price_rows(centra_gql, centra_store, {})

    assert only_scarf == []
    assert [row["productVariant"]["id"] for row in everything] == [coat.pk]


def test_prices_are_paged_with_limit_and_page(centra_gql, centra_store):
    for number in ("P1", "P2", "P3"):
        centra.set_price(centra_store, centra.create_product(centra_store, number, number).variants.get(), "SEK", 10)

    pages = [price_rows(centra_gql, centra_store, {}, limit=2, page=n) for n in (1, 2)]

    assert [len(rows) for rows in pages] == [2, 1]


def test_a_size_stands_for_its_variant_and_setting_again_replaces_the_price(centra_store):
    coat = variant(centra_store, "WC100")
    size_38 = coat.sizes.get(description="38")

    centra.set_price(centra_store, size_38, "SEK", 1500)
    centra.set_price(centra_store, coat, "SEK", "1350.456")

    price = Price.objects.get()
    assert (price.variant, price.pricelist.name, price.amount) == (coat, "SEK", Decimal("1350.46"))


def test_set_price_refuses_an_unknown_pricelist_another_stores_variant_and_a_negative_amount(centra_store):
    other = centra.create_store("other")
    centra.create_market(other, "Sweden")
    coat = variant(centra_store, "WC100")

    with pytest.raises(Pricelist.DoesNotExist):
        centra.set_price(centra_store, coat, "EUR", 100)
    with pytest.raises(ValueError, match="not in other"):
        centra.set_price(other, coat, "SEK", 100)
    with pytest.raises(ValueError, match="cannot be"):
        centra.set_price(centra_store, coat, "SEK", -1)
    assert not Price.objects.exists()


def test_set_prices_mutation_sets_prices_and_returns_them(centra_gql, centra_store):
    coat, scarf = variant(centra_store, "WC100"), variant(centra_store, "WS200")
    sek = pricelist(centra_store, "SEK")
    centra.set_price(centra_store, coat, "SEK", 1)

    result = set_prices(centra_gql, centra_store, sek.pk, (coat.pk, {"value": 1350, "currencyIsoCode": "SEK"}),
                        (scarf.pk, {"value": 149.9}))

    assert result["userErrors"] == []
    assert result["pricelist"] == {"id": sek.pk, "name": "SEK"}
    assert [(p["productVariant"]["id"], p["price"]["formattedValue"]) for p in result["prices"]] == [
        (coat.pk, "1350.00 SEK"), (scarf.pk, "149.90 SEK")]
    assert dict(Price.objects.values_list("variant_id", "amount")) == {coat.pk: Decimal("1350"),
                                                                       scarf.pk: Decimal("149.90")}


@pytest.mark.parametrize(("pricelist_ref", "item", "path"), [
    ("unknown", {"value": 10}, ["input", "pricelist"]),
    ("SEK", {"value": 10, "currencyIsoCode": "EUR"}, ["input", "prices", "1", "price", "currencyIsoCode"]),
    ("SEK", {"value": -10}, ["input", "prices", "1", "price", "value"]),
])
def test_set_prices_refusal_is_a_user_error_and_sets_nothing(centra_gql, centra_store, pricelist_ref, item, path):
    coat, scarf = variant(centra_store, "WC100"), variant(centra_store, "WS200")
    pricelist_id = 999_999 if pricelist_ref == "unknown" else pricelist(centra_store, pricelist_ref).pk

    result = set_prices(centra_gql, centra_store, pricelist_id, (coat.pk, {"value": 1350}), (scarf.pk, item))

    assert (result["pricelist"], result["prices"]) == (None, None)
    assert [error["path"] for error in result["userErrors"]] == [path]
    assert not Price.objects.exists()  # the coat's valid price was rolled back too


def test_set_prices_for_another_stores_variant_is_a_user_error(centra_gql, centra_store):
    other = centra.create_store("other")
    foreign = centra.create_product(other, "X1", "Foreign").variants.get()

    result = set_prices(centra_gql, centra_store, pricelist(centra_store, "SEK").pk, (foreign.pk, {"value": 1}))

    assert result["userErrors"] == [{"message": f"Could not find product variant with ID {foreign.pk}",
                                     "path": ["input", "prices", "0", "productVariant"]}]


def test_prices_need_pricelist_permissions(centra_gql, centra_store):
    coat = variant(centra_store, "WC100")
    sek = pricelist(centra_store, "SEK")
    reader = centra.create_token(centra_store, ["Pricelist:read"])
    no_access = centra.create_token(centra_store, ["Product:read"])

    denied_read = centra_gql(centra_store, PRICES_QUERY, {"where": {}, "limit": 10, "page": 1},
                             token=no_access.token).json()
    denied_write = centra_gql(centra_store, SET_PRICES, {"input": {
        "pricelist": {"id": sek.pk}, "prices": [{"productVariant": {"id": coat.pk}, "price": {"value": 1}}]}},
        token=reader.token).json()

    assert denied_read["errors"][0]["extensions"]["category"] == "authorization"
    assert "Pricelist:read" in denied_read["errors"][0]["message"]
    assert "Pricelist:write" in denied_write["errors"][0]["message"]
    assert not Price.objects.exists()
