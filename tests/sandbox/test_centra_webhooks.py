"""The Centra Webhook plugin: form-encoded payload, HMAC-SHA256 signature, optional retries, then dropped."""

import hashlib
import hmac
import itertools
import json
import logging
from datetime import datetime
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.db import IntegrityError

from sandbox.centra import services as centra
from sandbox.centra.models import Shipment, WebhookDelivery
from sandbox.centra.webhooks import retry_delays

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


def test_retries_are_off_by_default_so_a_failing_receiver_gets_one_attempt_then_the_webhook_is_dropped(
    centra_gql, centra_hooked_store, centra_order, django_capture_on_commit_callbacks, caplog
):
    """§5.1: "number of retries after failure" is off unless the store turns it on."""
    query = ("mutation($id: String!) { createShipment(input: {order: {id: $id}, isGoodToGo: true}) "
             "{ shipment { id } userErrors { message } } }")
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=500)
        with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
            response = centra_gql(centra_hooked_store, query, {"id": centra_order.hash_id})
        attempts = len(mock.calls)

    delivery = WebhookDelivery.objects.get(store=centra_hooked_store)
    assert response.status_code == 200
    assert response.json()["data"]["createShipment"]["userErrors"] == []
    assert Shipment.objects.filter(order=centra_order).exists()
    assert attempts == 1
    assert delivery.status == WebhookDelivery.Status.DROPPED
    assert [attempt["status"] for attempt in delivery.attempts] == [500]
    assert "dropped after 1 attempts" in caplog.text


def test_three_retries_make_four_attempts_with_growing_gaps_then_the_webhook_is_dropped(
    centra_order, django_capture_on_commit_callbacks
):
    store = centra.create_store("acme", webhook_url=HOOK, webhook_secret=SECRET, webhook_retries=3,
                                webhook_retry_delay=0.02)
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=503)
        with django_capture_on_commit_callbacks(execute=True):
            centra.create_shipment(centra_order)
        attempts = len(mock.calls)

    delivery = WebhookDelivery.objects.get(store=store)
    sent_at = [datetime.fromisoformat(attempt["at"]) for attempt in delivery.attempts]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(sent_at)]
    assert attempts == 4
    assert delivery.status == WebhookDelivery.Status.DROPPED
    assert retry_delays(store) == [0.02, 0.04, 0.08]
    assert all(gap >= delay for gap, delay in zip(gaps, retry_delays(store), strict=True))


def test_a_2xx_on_the_second_attempt_stops_retrying(centra_order, django_capture_on_commit_callbacks):
    store = centra.create_store("acme", webhook_url=HOOK, webhook_secret=SECRET, webhook_retries=3,
                                webhook_retry_delay=0.001)
    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=502)
        mock.post(HOOK, status=204)
        with django_capture_on_commit_callbacks(execute=True):
            centra.create_shipment(centra_order)
        attempts = len(mock.calls)

    delivery = WebhookDelivery.objects.get(store=store)
    assert attempts == 2
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert [attempt["status"] for attempt in delivery.attempts] == [502, 204]


def test_each_attempt_waits_the_store_timeout_and_a_timeout_is_a_failed_attempt(
    centra_order, django_capture_on_commit_callbacks
):
    store = centra.create_store("acme", webhook_url=HOOK, webhook_secret=SECRET, webhook_retries=1,
                                webhook_retry_delay=0.001, webhook_timeout=0.5)
    with responses.RequestsMock() as mock:
        mock.post(HOOK, body=requests.ReadTimeout("read timed out"))
        with django_capture_on_commit_callbacks(execute=True):
            centra.create_shipment(centra_order)
        timeouts = [call.request.req_kwargs["timeout"] for call in mock.calls]

    delivery = WebhookDelivery.objects.get(store=store)
    assert timeouts == [0.5, 0.5]
    assert delivery.status == WebhookDelivery.Status.DROPPED
    assert all("timed out" in attempt["error"] and attempt["status"] is None for attempt in delivery.attempts)


def test_plugin_defaults_are_centras_five_second_timeout_and_no_retries(centra_store):
    assert (centra_store.webhook_timeout, centra_store.webhook_retries, retry_delays(centra_store)) == (5.0, 0, [])


def test_more_than_three_retries_is_refused(centra_store):
    with pytest.raises(IntegrityError):
        centra.create_store("acme", webhook_url=HOOK, webhook_retries=4)


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
