"""The events queue: listeners per integration, oldest unconfirmed first, confirm to drop."""

from decimal import Decimal

from sandbox.centra import services as centra

LISTEN = ("mutation { setEventListeners(input: [{objectType: Order}, {objectType: Shipment, changeTypes: "
          "[CREATED, COMPLETED]}]) { eventListeners { objectType changeTypes } userErrors { message } } }")
EVENTS = ("query($types: [EventObjectType!]) { events(where: {objectType: $types}, limit: 50) { id objectType "
          "changeType objectReference store { id } object { __typename ... on Order { number status } "
          "... on Shipment { id } } } }")
CONFIRM = ("mutation($ids: [Int!]!) { confirmEvents(input: {eventsIds: $ids}) "
           "{ userErrors { message } userWarnings { message } } }")


def _place(store, customer):
    return centra.create_order(store, customer=customer, lines=[
        {"sku": "WS200", "quantity": 1, "unit_price": Decimal("149")}])


def test_set_event_listeners_is_additive_and_listed(centra_gql, centra_store):
    result = centra_gql(centra_store, LISTEN).json()["data"]["setEventListeners"]
    again = centra_gql(centra_store, LISTEN).json()["data"]["setEventListeners"]
    listed = centra_gql(centra_store, "{ eventListeners { integrationName objectType } }").json()["data"]

    assert result == again == {"eventListeners": [
        {"objectType": "Order", "changeTypes": []},
        {"objectType": "Shipment", "changeTypes": ["COMPLETED", "CREATED"]},
    ], "userErrors": []}
    assert listed["eventListeners"] == [{"integrationName": "Junipeer", "objectType": "Order"},
                                        {"integrationName": "Junipeer", "objectType": "Shipment"}]


def test_events_are_returned_until_confirmed(centra_gql, centra_store, centra_customer):
    centra_gql(centra_store, LISTEN)
    order = _place(centra_store, centra_customer)

    first = centra_gql(centra_store, EVENTS, {"types": ["Order"]}).json()["data"]["events"]
    again = centra_gql(centra_store, EVENTS, {"types": ["Order"]}).json()["data"]["events"]
    confirm = centra_gql(centra_store, CONFIRM, {"ids": [e["id"] for e in first]}).json()["data"]["confirmEvents"]
    after = centra_gql(centra_store, EVENTS, {"types": ["Order"]}).json()["data"]["events"]

    assert first == again
    assert first == [{"id": first[0]["id"], "objectType": "Order", "changeType": "CREATED",
                      "objectReference": str(order.number), "store": {"id": order.channel_id},
                      "object": {"__typename": "DirectToConsumerOrder", "number": order.number,
                                 "status": "CONFIRMED"}}]
    assert confirm == {"userErrors": [], "userWarnings": []}
    assert after == []


def test_shipment_changes_queue_events_of_the_wanted_types_only(centra_gql, centra_store, centra_order):
    centra_gql(centra_store, LISTEN)

    shipment = centra.complete_shipment(centra.create_shipment(centra_order))

    events = centra_gql(centra_store, EVENTS, {"types": ["Shipment"]}).json()["data"]["events"]
    assert [(e["changeType"], e["object"]) for e in events] == [
        ("CREATED", {"__typename": "DirectToConsumerShipment", "id": shipment.pk}),
        ("COMPLETED", {"__typename": "DirectToConsumerShipment", "id": shipment.pk}),
    ]


def test_events_are_oldest_first_and_limited(centra_gql, centra_store, centra_customer):
    centra_gql(centra_store, LISTEN)
    for _ in range(3):
        _place(centra_store, centra_customer)

    events = centra_gql(centra_store, "{ events(limit: 2) { id objectReference } }").json()["data"]["events"]

    assert [e["objectReference"] for e in events] == ["10001", "10002"]


def test_queue_belongs_to_the_integration_name(centra_gql, centra_store, centra_customer):
    other = centra.create_token(centra_store, integration_name="Other ERP")
    centra_gql(centra_store, LISTEN)
    _place(centra_store, centra_customer)

    assert centra_gql(centra_store, "{ events { id } }", token=other.token).json()["data"]["events"] == []


def test_confirming_unknown_events_is_a_warning(centra_gql, centra_store):
    result = centra_gql(centra_store, CONFIRM, {"ids": [999]}).json()["data"]["confirmEvents"]

    assert result["userErrors"] == []
    assert result["userWarnings"] == [{"message": "Event 999 not found or already confirmed"}]


def test_unset_listener_drops_its_queued_events(centra_gql, centra_store, centra_customer):
    centra_gql(centra_store, LISTEN)
    _place(centra_store, centra_customer)

    centra_gql(centra_store, "mutation { unsetEventListeners(input: [{objectType: Order}]) "
                             "{ userErrors { message } } }")

    assert centra_gql(centra_store, "{ events { id } }").json()["data"]["events"] == []


def test_events_need_the_feature_enabled(centra_gql, db):
    store = centra.create_store("noevents", events_enabled=False)

    body = centra_gql(store, "{ events { id } }").json()

    assert body["data"] is None
    assert body["errors"][0]["extensions"]["category"] == "authorization"
    assert "not enabled" in body["errors"][0]["message"]


def test_events_need_event_read_permission(centra_gql, centra_store):
    token = centra.create_token(centra_store, ["Order:read"])

    body = centra_gql(centra_store, "{ events { id } }", token=token.token).json()

    assert body["errors"][0]["message"] == "You need Event:read permission to access events."
