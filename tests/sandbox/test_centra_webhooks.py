"""The Centra Webhook plugin: form-encoded payload, HMAC-SHA256 signature, bounded retries."""

import hashlib
import hmac
import json
import logging
from urllib.parse import parse_qs

import pytest
import requests
import responses

from sandbox.centra import services as centra
from sandbox.centra.models import Shipment

HOOK = "https://erp.example.com/hooks/centra"
SECRET = "whsec-test"


@pytest.fixture
def centra_hooked_store(centra_store):
    return centra.create_store("acme", webhook_url=HOOK, webhook_secret=SECRET)


def test_webhook_is_signed_with_hmac_sha256(centra_hooked_store, centra_order, django_capture_on_commit_callbacks):
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=200)
        with django_capture_on_commit_callbacks(execute=True):
            shipment = centra.create_shipment(centra_order)

        request = mock.calls[0].request
    raw = request.body if isinstance(request.body, str) else request.body.decode()
    timestamp, signature = (part.split("=", 1)[1] for part in request.headers["X-Centra-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{timestamp}.{raw}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    payload = json.loads(parse_qs(raw)["payload"][0])
    assert [(e["type"], e["action"], e["id"]) for e in payload["events"]] == [("shipment", "create", shipment.pk)]


def test_webhooks_fire_on_shipment_update_and_return_create(
    centra_hooked_store, centra_order, django_capture_on_commit_callbacks
):
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=204)
        with django_capture_on_commit_callbacks(execute=True):
            shipment = centra.complete_shipment(centra.create_shipment(centra_order))
            ret = centra.create_return(shipment, {"WS200": 1})

        sent = [json.loads(parse_qs(call.request.body)["payload"][0])["events"][0] for call in mock.calls]
    assert [(e["type"], e["action"], e["id"]) for e in sent] == [
        ("shipment", "create", shipment.pk), ("shipment", "update", shipment.pk), ("return", "create", ret.pk),
    ]


def test_failed_delivery_is_retried_three_times_and_never_breaks_the_mutation(
    centra_gql, centra_hooked_store, centra_order, django_capture_on_commit_callbacks, caplog
):
    query = ("mutation($id: String!) { createShipment(input: {order: {id: $id}, isGoodToGo: true}) "
             "{ shipment { id } userErrors { message } } }")
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=500)
        with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
            response = centra_gql(centra_hooked_store, query, {"id": centra_order.hash_id})
        attempts = len(mock.calls)

    assert response.status_code == 200
    assert response.json()["data"]["createShipment"]["userErrors"] == []
    assert Shipment.objects.filter(order=centra_order).exists()
    assert attempts == 4
    assert "dropped after 4 attempts" in caplog.text


def test_unreachable_receiver_is_logged(centra_hooked_store, centra_order, django_capture_on_commit_callbacks, caplog):
    with responses.RequestsMock() as mock:
        mock.post(HOOK, body=requests.ConnectionError("refused"))
        with django_capture_on_commit_callbacks(execute=True):
            centra.create_shipment(centra_order)

    assert "refused" in caplog.text


def test_no_webhook_without_a_url(centra_store, centra_order, django_capture_on_commit_callbacks):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with django_capture_on_commit_callbacks(execute=True):
            centra.create_shipment(centra_order)

        assert len(mock.calls) == 0
