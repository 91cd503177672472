"""Partners' webhooks: a new open failure or an alert becomes a signed POST, sent from the queue,
retried on a backoff until out of tries, every try in the delivery log."""

import hashlib
import hmac
import json

import pytest
import requests
import responses
from django.test import override_settings
from django.utils import timezone

from integrations.models import Alert, PartnerWebhookDelivery, SyncRecord, SyncRun
from integrations.services import partner_webhooks

pytestmark = pytest.mark.django_db
HOOK = "https://hooks.agency.example/junipeer"


@pytest.fixture
def registered(agency):
    api, _, ours = agency
    answer = api.post("/api/v1/webhooks/", {"url": HOOK, "events": ["record.failed", "alert.opened"]}, format="json")
    assert answer.status_code == 201
    return api, ours, answer.json()


def fail_a_record(integration, source_id="9", attempts=1):
    run = SyncRun.objects.get(flow__integration=integration)
    return SyncRecord.objects.create(run=run, integration=integration, object_type="invoice", source_id=source_id,
                                     status="failed", error_code="unknown_sku", message="SKU 'Y' has no article",
                                     attempts=attempts)


def test_a_new_open_failure_is_delivered_signed_with_the_webhooks_secret(registered,
                                                                        django_capture_on_commit_callbacks):
    _, ours, webhook = registered
    with django_capture_on_commit_callbacks():
        record = fail_a_record(ours)
    delivery = PartnerWebhookDelivery.objects.get()

    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=204)
        assert partner_webhooks.deliver(delivery.pk, session=requests.Session()) == "delivered"
        sent = mock.calls[0].request

    stamp, signature = (part.split("=", 1)[1] for part in sent.headers["Junipeer-Signature"].split(","))
    expected = hmac.new(webhook["secret"].encode(), f"{stamp}.".encode() + sent.body, hashlib.sha256).hexdigest()
    assert signature == expected
    assert json.loads(sent.body)["data"]["record"]["id"] == record.pk
    assert sent.headers["Junipeer-Event"] == "record.failed"


def test_a_repeated_failure_of_the_same_record_is_no_new_event(registered):
    _, ours, _ = registered

    fail_a_record(ours, attempts=2)

    assert not PartnerWebhookDelivery.objects.exists()


def test_an_event_the_webhook_did_not_ask_for_is_not_sent(registered):
    _, ours, _ = registered

    Alert.objects.create(kind="run_failed", subject="flow:1:run", title="t", message="m", integration=ours)

    assert list(PartnerWebhookDelivery.objects.values_list("event", flat=True)) == ["alert.opened"]


def test_a_refused_delivery_is_retried_on_a_backoff_then_marked_failed(registered):
    _, ours, _ = registered
    fail_a_record(ours)
    delivery = PartnerWebhookDelivery.objects.get()

    def when_due():
        PartnerWebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        return partner_webhooks.deliver(delivery.pk, session=requests.Session())

    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=500)
        first = partner_webhooks.deliver(delivery.pk, session=requests.Session())
        too_early = partner_webhooks.deliver(delivery.pk, session=requests.Session())
        rest = [when_due() for _ in range(partner_webhooks.MAX_ATTEMPTS - 1)]
        calls = len(mock.calls)

    delivery.refresh_from_db()
    assert (first, too_early) == ("pending", "nothing to deliver")  # the next try waits for its backoff
    assert rest[-1] == "failed"
    assert calls == delivery.attempts == partner_webhooks.MAX_ATTEMPTS
    assert delivery.last_error == "Answered HTTP 500."


def test_the_delivery_log_and_secret_rotation_are_in_the_api(registered):
    api, ours, webhook = registered
    fail_a_record(ours)

    log = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries/").json()["results"]
    rotated = api.post(f"/api/v1/webhooks/{webhook['id']}/rotate-secret/").json()

    assert [entry["event"] for entry in log] == ["record.failed"]
    assert rotated["secret"] != webhook["secret"]


@override_settings(OUTBOUND_ALLOW_HTTP=False, OUTBOUND_ALLOW_PRIVATE_HOSTS=False)  # as in production
def test_a_webhook_url_junipeer_may_not_call_is_refused_next_to_the_field(agency):
    api, _, _ = agency

    answer = api.post("/api/v1/webhooks/", {"url": "http://127.0.0.1/hook"}, format="json")

    assert answer.status_code == 400
    assert "url" in answer.json()["error"]["fields"]
