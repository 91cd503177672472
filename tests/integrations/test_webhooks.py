"""Centra webhooks: signed calls are stored before they are acknowledged; calls that do not prove
themselves (token, signature, size, rate) are refused and counted without their bodies; signed but
unreadable calls are refused and recorded; and a flood of events asks for a bounded number of runs."""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from urllib.parse import quote_plus

import pytest
from django.urls import include, path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations import queue, webhooks
from integrations.connections import set_credentials
from integrations.connectors.ratelimit import shared_limiter
from integrations.models import Flow, Integration, WebhookEvent, WebhookRefusal
from sandbox.centra.webhooks import encode_body, sign
from tests import factories

pytestmark = pytest.mark.urls(__name__)
urlpatterns = [path("", include("integrations.urls"))]  # what junipeer/urls.py includes

SECRET = "whsec-0123456789abcdef"
DATE = "2024-05-03 10:00:12.102938"
Status = WebhookEvent.Status
Refusal = WebhookRefusal.Reason


def event(object_type="shipment", object_id=7781, action="create", date=DATE):
    return {"type": object_type, "action": action, "date": date, "id": object_id}


def signature(raw: bytes, timestamp: int | None = None, secret: str = SECRET) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture
def shop(db):
    source = factories.centra_connection()
    set_credentials(source, webhook_secret=SECRET)
    integration = factories.integration(source, factories.fortnox_connection(), slug="shop")
    for kind in (Flow.Kind.REFUNDS, Flow.Kind.CUSTOMERS):
        Flow.objects.create(integration=integration, kind=kind, enabled=True)
    shared_limiter().reset()  # pending-run slots may outlive a test in Redis
    return integration


def flow(integration: Integration, kind=Flow.Kind.ORDERS) -> Flow:
    return integration.flows.get(kind=kind)


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(queue, "async_task", lambda func, *args, **kwargs: calls.append((func, *args)))
    return calls


@pytest.fixture
def post(shop, client, django_capture_on_commit_callbacks):
    """POST a body as Centra does to the shop's webhook URL; runs on-commit callbacks (the
    enqueueing) like a real request."""

    def send(body: str | bytes, signed: str | None = "valid", url: str | None = None):
        url = url or webhooks.webhook_path(shop)
        raw = body.encode() if isinstance(body, str) else body
        headers = {}
        if signed == "valid":
            headers["X-Centra-Signature"] = signature(raw)
        elif signed is not None:
            headers["X-Centra-Signature"] = signed
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data=raw, content_type="application/x-www-form-urlencoded", headers=headers)

    return send


def deliver(post, *events):
    """Events signed with the sandbox Centra's own sender code."""
    body = encode_body(list(events))
    return post(body, signed=sign(SECRET, int(time.time()), body))


def rejected() -> list[WebhookEvent]:
    return list(WebhookEvent.objects.filter(status=Status.REJECTED))


# --- accepting ------------------------------------------------------------------------------


def test_the_documented_sample_delivery_is_stored_and_acknowledged(shop, post, enqueued):
    body = ("payload=%7B%22events%22%3A%5B%7B%22type%22%3A%22shipment%22%2C%22action%22%3A%22create%22%2C%22"
            "date%22%3A%222024-05-03+10%3A00%3A12.102938%22%2C%22id%22%3A7781%7D%5D%7D")  # centra.md §7.6

    response = post(body)

    assert response.status_code == 202
    assert response.json() == {"received": 1, "new": 1, "runs_requested": 1}
    stored = WebhookEvent.objects.get()
    assert (stored.object_type, stored.object_id, stored.action, stored.status) == (
        "shipment", "7781", "create", Status.RECEIVED)
    assert stored.signature_valid is True
    assert stored.payload == event()
    assert enqueued == [("integrations.tasks.run_flow_task", flow(shop).pk, "webhook")]


def test_a_redelivered_event_is_stored_once(shop, post, enqueued):
    assert deliver(post, event(), event()).json()["new"] == 1  # duplicated inside one call
    again = deliver(post, event())  # Centra's retry: same event, new signature time

    assert again.status_code == 202
    assert again.json() == {"received": 1, "new": 0, "runs_requested": 0}
    assert WebhookEvent.objects.filter(integration=shop).count() == 1
    assert len(enqueued) == 1


def test_events_differing_in_action_or_date_are_distinct(shop, post, enqueued):
    deliver(post, event(action="create"), event(action="update"), event(action="update", date="2024-05-03 11:00"))
    assert WebhookEvent.objects.filter(object_id="7781").count() == 3


def test_each_event_type_asks_for_its_flow(shop, post, enqueued):
    deliver(post, event("return", 315), event("customer", 42), event("order", 10452))
    asked = sorted(Flow.objects.get(pk=call[1]).kind for call in enqueued)
    assert asked == [Flow.Kind.CUSTOMERS, Flow.Kind.ORDERS, Flow.Kind.REFUNDS]


def test_events_no_flow_handles_are_kept_as_processed(shop, post, enqueued):
    deliver(post, event("account", 9))
    stored = WebhookEvent.objects.get()
    assert stored.status == Status.PROCESSED
    assert "No flow" in stored.error
    assert enqueued == []


def test_a_paused_integration_stores_events_but_runs_nothing(shop, post, enqueued):
    Integration.objects.filter(pk=shop.pk).update(status=Integration.Status.PAUSED)
    assert deliver(post, event()).status_code == 202
    assert WebhookEvent.objects.get().status == Status.RECEIVED
    assert enqueued == []


def test_a_flood_of_2000_events_asks_for_one_run_per_flow(shop, post, enqueued, settings):
    settings.WEBHOOK_RATE_LIMIT = "1000/10"  # 400 calls in a few seconds: the flood is about runs, not the rate
    types = ["shipment", "order", "return", "customer"]
    for delivery in range(400):
        events = [event(types[n % 4], delivery * 5 + n) for n in range(5)]
        assert deliver(post, *events).status_code == 202

    assert WebhookEvent.objects.filter(integration=shop, status=Status.RECEIVED).count() == 2000
    assert len(enqueued) == 3
    assert sorted(call[1] for call in enqueued) == sorted(shop.flows.values_list("pk", flat=True))

    webhooks.pending_records(flow(shop))  # the orders run starts: new events may ask again
    deliver(post, event("shipment", 99_999), event("return", 99_999))
    assert len(enqueued) == 4
    assert enqueued[-1][1] == flow(shop).pk


# --- refusing -------------------------------------------------------------------------------


def assert_refused(response, status: int, reason: str):
    """A signed call we could not read: refused and kept as one REJECTED event with its body's start."""
    assert response.status_code == status
    assert reason in response.json()["error"]
    [record] = rejected()
    assert record.error == response.json()["error"]
    assert record.signature_valid is True
    assert not WebhookEvent.objects.exclude(status=Status.REJECTED).exists()
    return record


def assert_counted_not_stored(response, status: int, reason: str, refusal: str, times: int = 1):
    """A call that did not prove itself: refused, counted under its reason, and nothing of it kept."""
    assert response.status_code == status
    assert reason in response.json()["error"]
    assert not WebhookEvent.objects.exists()
    counter = WebhookRefusal.objects.get(reason=refusal)
    assert (counter.count, counter.last_detail) == (times, response.json()["error"])
    assert counter.last_at is not None
    return counter


def test_badly_signed_webhook_is_counted_not_stored(shop, post, enqueued, caplog):
    body = encode_body([event()])
    post(body, signed=signature(body.encode(), secret="someone-else"))
    response = post(body, signed=signature(body.encode(), secret="someone-else"))

    counter = assert_counted_not_stored(response, 401, "does not match", Refusal.BAD_SIGNATURE, times=2)
    assert counter.integration == shop
    assert "refused (401, bad_signature): Signature does not match the body.; body not stored" in caplog.text
    assert body not in caplog.text
    assert enqueued == []


def test_a_call_without_signature_is_counted_not_stored(shop, post, enqueued):
    assert_counted_not_stored(post(encode_body([event()]), signed=None), 401, "Missing X-Centra-Signature",
                              Refusal.UNSIGNED)
    assert enqueued == []


def test_a_tampered_body_is_counted_not_stored(shop, post, enqueued):
    signed = signature(encode_body([event(object_id=1)]).encode())
    assert_counted_not_stored(post(encode_body([event(object_id=2)]), signed=signed), 401, "does not match",
                              Refusal.BAD_SIGNATURE)
    assert enqueued == []


@pytest.mark.parametrize("header", ["garbage", "t=abc,v1=00", "v1=" + "a" * 64, "t=1714723212", "t=1,v1=xyz",
                                    "t=1714723212,v1=" + "é" * 64])
def test_a_malformed_signature_header_is_400_and_counted(shop, post, enqueued, header):
    assert_counted_not_stored(post(encode_body([event()]), signed=header), 400, "X-Centra-Signature",
                              Refusal.BAD_SIGNATURE)
    assert enqueued == []


@pytest.mark.parametrize(("age", "reason"), [(301, "old"), (-61, "future")])
def test_a_stale_or_future_timestamp_is_refused_and_counted(shop, post, enqueued, age, reason):
    body = encode_body([event()])
    signed = signature(body.encode(), int(time.time()) - age)
    assert_counted_not_stored(post(body, signed=signed), 401, reason, Refusal.BAD_SIGNATURE)
    assert enqueued == []


def test_a_timestamp_within_five_minutes_is_accepted(shop, post, enqueued):
    body = encode_body([event()])
    assert post(body, signed=signature(body.encode(), int(time.time()) - 290)).status_code == 202


def test_without_a_configured_secret_every_call_is_refused_and_counted(shop, post, enqueued):
    source = shop.source
    source.credentials = {k: v for k, v in source.credentials.items() if k != "webhook_secret"}
    source.save()
    assert_counted_not_stored(post(encode_body([event()])), 403, "No webhook secret", Refusal.NO_SECRET)


def test_an_unknown_integration_is_404_and_a_get_is_405(shop, post, client):
    assert post(encode_body([event()]), url=f"/hooks/centra/nobody/{shop.webhook_token}/").status_code == 404
    assert client.get(webhooks.webhook_path(shop)).status_code == 405
    assert not WebhookEvent.objects.exists()
    assert not WebhookRefusal.objects.exists()


def test_webhook_url_without_its_token_is_not_found(shop, post, enqueued):
    assert post(encode_body([event()]), url="/hooks/centra/shop/").status_code == 404
    assert not WebhookEvent.objects.exists()
    assert enqueued == []


def test_a_wrong_token_is_not_found_and_counted(shop, post, enqueued):
    response = post(encode_body([event()]), url=f"/hooks/centra/shop/{'x' * len(shop.webhook_token)}/")

    assert response.status_code == 404
    assert not WebhookEvent.objects.exists()
    assert WebhookRefusal.objects.get(integration=shop, reason=Refusal.WRONG_TOKEN).count == 1
    assert enqueued == []


def test_each_integration_has_its_own_unguessable_token(shop):
    org = factories.organization("other")
    other = factories.integration(factories.centra_connection(org), factories.fortnox_connection(org), slug="other")
    assert shop.webhook_token != other.webhook_token
    assert len(shop.webhook_token) >= 43  # 256 random bits, URL-safe
    assert webhooks.webhook_path(shop) == f"/hooks/centra/shop/{shop.webhook_token}/"


def test_a_regenerated_token_retires_the_old_url(shop, post, enqueued):
    old = webhooks.webhook_path(shop)

    new_url = webhooks.regenerate_token(shop)

    assert post(encode_body([event()]), url=old).status_code == 404
    assert new_url.endswith(webhooks.webhook_path(Integration.objects.get(pk=shop.pk)))
    assert post(encode_body([event()])).status_code == 202


def test_webhook_requests_beyond_the_rate_are_throttled(shop, post, enqueued, settings):
    settings.WEBHOOK_RATE_LIMIT = "3/60"
    answers = [deliver(post, event(object_id=n)) for n in range(5)]

    assert [answer.status_code for answer in answers] == [202, 202, 202, 429, 429]
    assert 1 <= int(answers[-1]["Retry-After"]) <= 61
    assert WebhookEvent.objects.filter(integration=shop).count() == 3  # the throttled bodies are not stored
    assert WebhookRefusal.objects.get(integration=shop, reason=Refusal.THROTTLED).count == 2


def test_the_rate_is_per_integration(shop, post, enqueued, settings, client):
    settings.WEBHOOK_RATE_LIMIT = "1/60"
    org = factories.organization("other")
    other = factories.integration(factories.centra_connection(org), factories.fortnox_connection(org), slug="other")
    set_credentials(other.source, webhook_secret=SECRET)

    assert deliver(post, event(object_id=1)).status_code == 202
    assert deliver(post, event(object_id=2)).status_code == 429
    body = encode_body([event(object_id=3)])
    assert post(body, url=webhooks.webhook_path(other)).status_code == 202


def test_a_body_over_one_megabyte_is_413_counted_and_not_kept(shop, post, enqueued):
    body = "payload=" + "x" * webhooks.MAX_BODY_BYTES
    assert_counted_not_stored(post(body), 413, "over the", Refusal.TOO_LARGE)
    assert enqueued == []


def payload(document) -> str:
    return "payload=" + quote_plus(json.dumps(document))


BAD_BODIES = {
    "empty": "",
    "plain text": "hello centra",
    "json, not form-encoded": json.dumps({"events": [event()]}),
    "empty payload": "payload=",
    "payload not json": "payload=hello",
    "truncated json": "payload=%7B%22events%22%3A%5B",
    "two payloads": payload({"events": [event()]}) + "&" + payload({"events": [event()]}),
    "no payload field": "data=" + quote_plus(json.dumps({"events": [event()]})),
    "too many fields": "&".join(f"f{n}=1" for n in range(50)),
    "invalid utf-8": b"payload=\xff\xfe{}",
    "invalid utf-8 escaped": "payload=%ff%fe",
    "nul bytes": b"payload=\x00\x00",
    "top-level list": payload([event()]),
    "top-level null": payload(None),
    "events missing": payload({"event": [event()]}),
    "events null": payload({"events": None}),
    "events an object": payload({"events": event()}),
    "events empty": payload({"events": []}),
    "too many events": payload({"events": [event(object_id=n) for n in range(webhooks.MAX_EVENTS + 1)]}),
    "event null": payload({"events": [None]}),
    "event a list": payload({"events": [["shipment", 7781]]}),
    "id missing": payload({"events": [{k: v for k, v in event().items() if k != "id"}]}),
    "id null": payload({"events": [event(object_id=None)]}),
    "id true": payload({"events": [event(object_id=True)]}),
    "id a float": payload({"events": [event(object_id=77.81)]}),
    "id an object": payload({"events": [event(object_id={"id": 7781})]}),
    "id empty": payload({"events": [event(object_id="")]}),
    "id huge number": payload({"events": [event(object_id=10**80)]}),
    "id NaN": "payload=" + quote_plus('{"events":[{"type":"shipment","action":"create","date":"d","id":NaN}]}'),
    "type missing": payload({"events": [{k: v for k, v in event().items() if k != "type"}]}),
    "type null": payload({"events": [event(object_type=None)]}),
    "type a number": payload({"events": [event(object_type=3)]}),
    "action an object": payload({"events": [event(action={"name": "create"})]}),
    "action huge": payload({"events": [event(action="x" * 100_000)]}),
    "date with a nul": payload({"events": [event(date="2024-05-03\u0000")]}),
    "date with a newline": payload({"events": [event(date="2024-05-03\n10:00")]}),
    "deeply nested": "payload=" + "%5B" * 100_000,
    "one good, one bad": payload({"events": [event(), event(object_id=None)]}),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_signed_bad_body_is_refused_with_400_and_recorded(shop, post, enqueued, body):
    record = assert_refused(post(body), 400, "")
    assert bool(record.raw_body) == bool(body)
    assert len(record.raw_body) <= webhooks.KEPT_RAW_BYTES
    assert enqueued == []


def test_a_refused_body_is_kept_as_text_with_bad_bytes_escaped(shop, post):
    post(b"payload=\xff\x00")
    assert rejected()[0].raw_body == "payload=\\xff\\x00"


# --- fuzzing the parser ---------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=80),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
event_like = st.fixed_dictionaries(
    {}, optional={"type": json_values | st.sampled_from(["shipment", "order"]), "id": json_values,
                  "action": json_values | st.just("create"), "date": json_values | st.just(DATE)},
)


def parses_or_refuses(raw: bytes) -> list:
    """The parser's whole contract: events, or Rejected with a 4xx; nothing else escapes."""
    try:
        events = webhooks.parse_events(raw)
    except webhooks.Rejected as rejection:
        refused = rejection
    else:
        texts = [text for e in events for text in (e.type, e.object_id, e.action, e.date)]
        assert all(text.isprintable() for text in texts)
        assert all(texts)
        return events
    assert 400 <= refused.status < 500
    return []


@given(st.binary(max_size=2000))
def test_the_parser_survives_any_bytes(raw):
    parses_or_refuses(raw)


@given(st.text(max_size=500))
def test_the_parser_survives_any_payload_text(text):
    parses_or_refuses(("payload=" + quote_plus(text)).encode())


@given(st.one_of(json_values, st.fixed_dictionaries({"events": json_values | st.lists(event_like, max_size=5)})))
def test_the_parser_survives_any_json_document(document):
    events = parses_or_refuses(payload(document).encode())
    if events:
        assert [e.as_payload() for e in events] == [{k: item[k] for k in ("type", "id", "action", "date")}
                                                    for item in document["events"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.fixed_dictionaries({"events": st.lists(event_like, min_size=1, max_size=3)}))
def test_the_endpoint_answers_any_signed_document_with_202_or_400(shop, post, enqueued, document):
    response = post(payload(document))
    assert response.status_code in (202, 400)


# --- processing from the store --------------------------------------------------------------


def test_pending_records_gives_one_entry_per_shipment_oldest_first(shop, post, enqueued):
    deliver(post, event(object_id=7782), event(object_id=7781), event(object_id=7782, action="good_to_go"),
            event("order", 10452), event("return", 315))

    assert webhooks.pending_records(flow(shop)) == [("7782", ""), ("7781", "")]
    assert webhooks.pending_records(flow(shop, Flow.Kind.REFUNDS)) == [("315", "")]
    order_event = WebhookEvent.objects.get(object_type="order")
    assert order_event.status == Status.PROCESSED  # a signal: the run's incremental pass fetches the order


def test_mark_processed_closes_done_and_failed_objects(shop, post, enqueued):
    deliver(post, event(object_id=1), event(object_id=1, action="update"), event(object_id=2), event(object_id=3),
            event("return", 1))

    closed = webhooks.mark_processed(flow(shop), ["1", "2"], failed={"2": "Centra has no shipment 2 (404)."})

    assert closed == 3
    statuses = dict(WebhookEvent.objects.filter(object_type="shipment").values_list("object_id", "status"))
    assert statuses == {"1": Status.PROCESSED, "2": Status.FAILED, "3": Status.RECEIVED}
    assert WebhookEvent.objects.get(object_id="2").error == "Centra has no shipment 2 (404)."
    assert WebhookEvent.objects.get(object_type="return").status == Status.RECEIVED  # another flow's event
    assert webhooks.pending_records(flow(shop)) == [("3", "")]


def test_events_received_after_the_run_began_stay_pending(shop, post, enqueued):
    deliver(post, event(object_id=1))
    started_at = WebhookEvent.objects.get().received_at
    deliver(post, event(object_id=1, action="update"))
    WebhookEvent.objects.filter(action="update").update(received_at=started_at + timedelta(seconds=5))

    webhooks.mark_processed(flow(shop), ["1"], received_before=started_at)

    assert webhooks.pending_records(flow(shop)) == [("1", "")]
    assert WebhookEvent.objects.get(action="create").status == Status.PROCESSED


def test_pending_records_releases_the_pending_run_slot(shop, enqueued):
    orders = flow(shop)
    assert webhooks.request_run(orders) is True
    assert webhooks.request_run(orders) is False
    webhooks.pending_records(orders)
    assert webhooks.request_run(orders) is True
