"""Idempotency-Key for every caller: an API key, a person's token or a session. The same key with the
same body answers the first answer again without doing anything twice; with another body it is a 409;
each caller's keys are their own; retention forgets the answers after a day."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from integrations import retention
from integrations.models import IdempotentRequest, Integration, SyncRecord

from .conftest import client_for

pytestmark = pytest.mark.django_db


def session_client(user):
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture(params=["token", "session"])
def person(request, shops):
    """The partner's person calling without an API key, by token or by session."""
    partner_user, ours, _ = shops
    return (client_for if request.param == "token" else session_client)(partner_user), ours


def test_a_person_without_an_api_key_gets_the_first_answer_again_and_nothing_is_done_twice(person):
    api, ours = person
    url = "/api/v1/integrations/ours/records/resolve/"
    body = {"error_code": "unknown_sku", "reason": "Invoiced by hand in Fortnox."}

    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="resolve-1")
    SyncRecord.objects.filter(integration=ours).update(resolution="", resolved_at=None)  # open again
    again = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="resolve-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() == {"resolved": 1, "message": "Marked 1 failed record(s) resolved."}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert SyncRecord.objects.get(integration=ours).resolution == ""  # the replay resolved nothing


def test_a_person_reusing_a_key_with_another_body_gets_409_and_nothing_happens(person):
    api, ours = person
    created = api.post("/api/v1/integrations/ours/webhook/rotate/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    token = Integration.objects.get(pk=ours.pk).webhook_token

    other = api.post("/api/v1/integrations/ours/records/retry/", {"error_code": "unknown_sku"}, format="json",
                     HTTP_IDEMPOTENCY_KEY="k")

    assert created.status_code == 200
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert SyncRecord.objects.get(integration=ours).next_retry_at is None
    assert Integration.objects.get(pk=ours.pk).webhook_token == token


def test_every_post_that_triggers_something_is_replayed_not_redone(shops):
    partner_user, ours, _ = shops
    api = client_for(partner_user)
    rotated = api.post("/api/v1/integrations/ours/webhook/rotate/", HTTP_IDEMPOTENCY_KEY="rotate")
    token = Integration.objects.get(pk=ours.pk).webhook_token
    audited = LogEntry.objects.count()

    replayed = api.post("/api/v1/integrations/ours/webhook/rotate/", HTTP_IDEMPOTENCY_KEY="rotate")

    assert replayed.json() == rotated.json()  # the same URL: the token was not rotated a second time
    assert Integration.objects.get(pk=ours.pk).webhook_token == token
    assert LogEntry.objects.count() == audited


def test_callers_keys_are_their_own(agency, shops):
    key_api, _, ours = agency
    partner_user, _, _ = shops
    person_api = client_for(partner_user)
    body = {"name": "Shop {}", "slug": "shop-{}"}

    by_key = key_api.post("/api/v1/organizations/", {k: v.format(1) for k, v in body.items()}, format="json",
                          HTTP_IDEMPOTENCY_KEY="same")
    by_person = person_api.post("/api/v1/organizations/", {k: v.format(2) for k, v in body.items()}, format="json",
                                HTTP_IDEMPOTENCY_KEY="same")
    someone_else = client_for(get_user_model().objects.create_user("other")).post(
        "/api/v1/integrations/ours/pause/", HTTP_IDEMPOTENCY_KEY="same")

    assert (by_key.status_code, by_person.status_code) == (201, 201)  # two callers, two requests
    assert someone_else.status_code == 404  # not replayed from another caller's answer
    assert set(ours.organization.partner.organizations.values_list("slug", flat=True)) >= {"shop-1", "shop-2"}
    assert IdempotentRequest.objects.filter(key="same").count() == 3  # one answer per caller


def test_a_refused_request_is_remembered_too_so_a_corrected_one_takes_a_new_key(person):
    """What was answered (a 4xx too) is the answer to that key: the caller sends a fix with a new key."""
    api, _ = person

    refused = api.post("/api/v1/integrations/ours/records/retry/", {}, format="json", HTTP_IDEMPOTENCY_KEY="r")
    again = api.post("/api/v1/integrations/ours/records/retry/", {}, format="json", HTTP_IDEMPOTENCY_KEY="r")

    assert refused.status_code == again.status_code == 400
    assert again.headers["Idempotent-Replayed"] == "true"


def test_remembered_answers_are_purged_after_their_retention_and_the_key_is_new_again(shops, settings):
    settings.RETENTION_IDEMPOTENCY_KEYS_DAYS = 1
    partner_user, ours, _ = shops
    api = client_for(partner_user)
    api.post("/api/v1/integrations/ours/webhook/rotate/", HTTP_IDEMPOTENCY_KEY="old")
    api.post("/api/v1/integrations/ours/webhook/rotate/", HTTP_IDEMPOTENCY_KEY="recent")
    IdempotentRequest.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    IdempotentRequest.objects.filter(key="recent").update(created_at=timezone.now() - timedelta(hours=23))

    report = retention.purge()
    token = Integration.objects.get(pk=ours.pk).webhook_token
    fresh = api.post("/api/v1/integrations/ours/webhook/rotate/", HTTP_IDEMPOTENCY_KEY="old")

    assert report.counts["idempotency keys"] == 1
    assert list(IdempotentRequest.objects.order_by("key").values_list("key", flat=True)) == ["old", "recent"]
    assert "Idempotent-Replayed" not in fresh.headers
    assert Integration.objects.get(pk=ours.pk).webhook_token != token
