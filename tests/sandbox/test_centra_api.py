"""The GraphQL endpoint behaves like Centra's Integration API: envelope, auth, validation, paging."""

import base64
import json
from datetime import datetime
from decimal import Decimal

import pytest

from sandbox.centra import services as centra

ORDERS = "query($limit: Int, $page: Int) { orders(sort: [number_ASC], limit: $limit, page: $page) { number } }"


def _orders(count, store, customer):
    for _ in range(count):
        centra.create_order(store, customer=customer, lines=[
            {"sku": "WS200", "quantity": 1, "unit_price": Decimal("149"), "tax_percent": Decimal("25")},
        ])


def test_every_response_carries_complexity_permissions_and_app_version(centra_gql, centra_store, centra_order):
    body = centra_gql(centra_store, "{ orders { number } }").json()

    assert body["data"] == {"orders": [{"number": centra_order.number}]}
    assert body["extensions"]["permissionsUsed"] == ["Order:read"]
    assert body["extensions"]["appVersion"] == "v1.7.0"
    assert isinstance(body["extensions"]["complexity"], int)
    assert body["extensions"]["complexity"] > 0


def test_unknown_field_is_rejected_by_validation(centra_gql, centra_store):
    response = centra_gql(centra_store, "{ orders { number madeUpField } }")

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert "madeUpField" in body["errors"][0]["message"]
    assert "extensions" in body


def test_syntax_error_is_a_graphql_error_with_http_200(centra_gql, centra_store):
    response = centra_gql(centra_store, "{ orders { number ")

    assert response.status_code == 200
    assert response.json()["errors"][0]["message"].startswith("Syntax Error")


def test_malformed_json_gets_400(client, centra_store):
    response = client.post("/sandbox/centra/acme/graphql", data="{not json", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {centra_store.api_token}")

    assert response.status_code == 400


def test_bad_token_gets_401(centra_gql, centra_store):
    response = centra_gql(centra_store, "{ orders { number } }", token="wrong")

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["category"] == "authentication"


def test_missing_token_gets_401(centra_gql, centra_store):
    assert centra_gql(centra_store, "{ stores { id } }", no_auth=True).status_code == 401


def test_bearer_scheme_is_case_insensitive_and_cookie_works_too(client, centra_gql, centra_store):
    lower = centra_gql(centra_store, "{ stores { id } }", HTTP_AUTHORIZATION=f"bearer {centra_store.api_token}")
    client.cookies["graphql-access"] = centra_store.api_token
    cookie = centra_gql(centra_store, "{ stores { id } }", no_auth=True)

    assert lower.status_code == 200
    assert cookie.status_code == 200
    assert len(cookie.json()["data"]["stores"]) == 2


def test_missing_permission_is_an_authorization_error(centra_gql, centra_store, centra_order):
    token = centra.create_token(centra_store, ["Order:read"])

    body = centra_gql(centra_store, "{ orders { number } returns { id } }", token=token.token).json()

    error = body["errors"][0]
    assert error["message"] == "You need Return:read permission to access returns."
    assert error["extensions"]["category"] == "authorization"
    assert error["path"] == ["returns"]
    assert body["data"] is None  # `returns` is non-null, so the error nulls the whole response
    assert body["extensions"]["permissionsUsed"] == ["Order:read", "Return:read"]


def test_addresses_need_their_own_permission(centra_gql, centra_store, centra_order):
    token = centra.create_token(centra_store, ["Order:read"])

    body = centra_gql(centra_store, "{ orders { number billingAddress { city } } }", token=token.token).json()

    assert body["errors"][0]["message"] == "You need Order.billingAddress:read permission to access billingAddress."


def test_token_restricted_to_a_store_does_not_see_other_stores_orders(centra_gql, centra_store, centra_order):
    wholesale = centra_store.channels.get(type="WHOLESALE")
    token = centra.create_token(centra_store, channel=wholesale)

    body = centra_gql(centra_store, "{ orders { number } }", token=token.token).json()

    assert body["data"]["orders"] == []


def test_orders_are_paginated_by_page_and_limit(centra_gql, centra_store, centra_customer):
    _orders(5, centra_store, centra_customer)

    pages = [
        [o["number"] for o in centra_gql(centra_store, ORDERS, {"limit": 2, "page": page}).json()["data"]["orders"]]
        for page in (1, 2, 3)
    ]

    assert pages == [[10001, 10002], [10003, 10004], [10005]]


def test_limit_is_capped_by_the_store_knob(centra_gql, centra_store, centra_customer):
    centra.create_store("acme", max_limit=3)
    _orders(5, centra_store, centra_customer)

    body = centra_gql(centra_store, ORDERS, {"limit": 500, "page": 1}).json()

    assert len(body["data"]["orders"]) == 3


def test_order_filter_accepts_a_single_number_by_list_coercion(centra_gql, centra_store, centra_customer):
    _orders(3, centra_store, centra_customer)

    body = centra_gql(centra_store, "{ orders(where: {number: 10002}) { number } }").json()

    assert body["data"]["orders"] == [{"number": 10002}]


@pytest.mark.parametrize("start", ["2024-05-02T00:00:00+02:00", "2024-05-02T00:00:00+0200", "2024-05-02 00:00:00"])
def test_created_at_range_accepts_iso_with_or_without_colon_and_plain_datetimes(
    centra_gql, centra_store, centra_customer, start
):
    line = {"sku": "WS200", "quantity": 1, "unit_price": Decimal("149"), "tax_percent": Decimal("25")}
    centra.create_order(centra_store, customer=centra_customer, lines=[line],
                        created_at=datetime.fromisoformat("2024-05-01T12:00:00+02:00"))
    centra.create_order(centra_store, customer=centra_customer, lines=[line],
                        created_at=datetime.fromisoformat("2024-05-03T12:00:00+02:00"))

    body = centra_gql(centra_store, "query($from: DateTimeTz!) { orders(where: {createdAt: {from: $from}}) "
                      "{ number createdAt } }", {"from": start}).json()

    assert body["data"]["orders"] == [{"number": 10002, "createdAt": "2024-05-03T12:00:00+02:00"}]


def test_orders_can_be_filtered_by_updated_at_although_centra_does_not_document_it(
    centra_gql, centra_store, centra_order
):
    body = centra_gql(centra_store, '{ orders(where: {updatedAt: {from: "2000-01-01 00:00:00"}}) { number } '
                      'none: orders(where: {updatedAt: {to: "2000-01-01 00:00:00"}}) { number } }').json()

    assert body["data"] == {"orders": [{"number": centra_order.number}], "none": []}


def test_orders_sort_descending(centra_gql, centra_store, centra_customer):
    _orders(3, centra_store, centra_customer)

    body = centra_gql(centra_store, "{ orders(sort: number_DESC) { number } }").json()

    assert [o["number"] for o in body["data"]["orders"]] == [10003, 10002, 10001]


def test_order_connection_pages_with_base64_cursors(centra_gql, centra_store, centra_customer):
    _orders(3, centra_store, centra_customer)
    query = ("query($after: String) { orderConnection(first: 2, after: $after) { totalCount "
             "pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { number } } } }")

    first = centra_gql(centra_store, query).json()["data"]["orderConnection"]
    after = {"after": first["pageInfo"]["endCursor"]}
    second = centra_gql(centra_store, query, after).json()["data"]["orderConnection"]

    assert [e["node"]["number"] for e in first["edges"]] == [10001, 10002]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert base64.b64decode(first["pageInfo"]["endCursor"]).decode() == "number:10002"
    assert [e["node"]["number"] for e in second["edges"]] == [10003]
    assert second["pageInfo"]["hasNextPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["totalCount"] == 3


def test_order_connection_pages_backwards_on_a_timestamp_sort(centra_gql, centra_store, centra_customer):
    for day in (1, 2, 3):
        centra.create_order(centra_store, customer=centra_customer, created_at=datetime.fromisoformat(
            f"2024-05-0{day}T12:00:00+02:00"), lines=[{"sku": "WS200", "quantity": 1, "unit_price": 149}])
    query = ("query($before: String) { orderConnection(last: 2, before: $before, sort: [createdAt_DESC]) "
             "{ pageInfo { hasPreviousPage startCursor } edges { node { number } } } }")

    last = centra_gql(centra_store, query).json()["data"]["orderConnection"]
    before = {"before": last["pageInfo"]["startCursor"]}
    earlier = centra_gql(centra_store, query, before).json()["data"]["orderConnection"]

    assert [e["node"]["number"] for e in last["edges"]] == [10002, 10001]
    assert last["pageInfo"]["hasPreviousPage"] is True
    assert [e["node"]["number"] for e in earlier["edges"]] == [10003]
    assert earlier["pageInfo"]["hasPreviousPage"] is False


def test_order_by_id_and_interface_type(centra_gql, centra_store, centra_order):
    body = centra_gql(centra_store, "query($id: String!) { order(id: $id) { __typename id "
                      "... on DirectToConsumerOrder { customer { email } } } }", {"id": centra_order.hash_id}).json()

    assert body["data"]["order"] == {"__typename": "DirectToConsumerOrder", "id": centra_order.hash_id,
                                     "customer": {"email": "anna.berg@example.com"}}
    assert len(centra_order.hash_id) == 32
    assert int(centra_order.hash_id, 16) >= 0


def test_date_fields_take_a_php_format(centra_gql, centra_store, centra_customer):
    centra.create_order(centra_store, customer=centra_customer, created_at=datetime.fromisoformat(
        "2021-12-31T13:44:23+01:00"), lines=[{"sku": "WS200", "quantity": 1, "unit_price": 149}])

    body = centra_gql(centra_store, '{ orders { a: orderDate(format: "Y-m-d") '
                      'b: createdAt(format: "Y-m-d\\\\TH:i:sO") } }').json()

    assert body["data"]["orders"] == [{"a": "2021-12-31", "b": "2021-12-31T13:44:23+0100"}]


def test_unknown_store_is_404(client, db):
    response = client.post("/sandbox/centra/nope/graphql", data=json.dumps({"query": "{ stores { id } }"}),
                           content_type="application/json", HTTP_AUTHORIZATION="Bearer x")

    assert response.status_code == 404
