"""API keys: hashed, shown once, recognised by their prefix, scoped, expiring, revocable."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.models import ApiKey
from integrations.services import api_keys

from .conftest import key_client

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_a_hash_and_recognised_by_its_prefix(agency):
    _, issued, _ = agency

    stored = ApiKey.objects.get(pk=issued.api_key.pk)

    assert issued.key.startswith(f"jp_{stored.prefix}_")
    assert issued.key not in (stored.hashed_key, stored.prefix)
    assert stored.hashed_key == api_keys.hash_key(issued.key)


def test_a_key_made_through_the_api_is_shown_once_and_lists_without_it(agency):
    api, _, _ = agency

    made = api.post("/api/v1/keys/", {"name": "CI", "scope": "read"}, format="json")
    listed = api.get("/api/v1/keys/").json()["results"]

    assert made.status_code == 201
    assert made.json()["key"].startswith(f"jp_{made.json()['prefix']}_")
    assert all("key" not in entry and "hashed_key" not in entry for entry in listed)
    assert made.json()["prefix"] in [entry["prefix"] for entry in listed]


def test_using_a_key_notes_when_it_was_last_used(agency):
    api, issued, _ = agency

    api.get("/api/v1/integrations/")

    assert ApiKey.objects.get(pk=issued.api_key.pk).last_used_at is not None


def test_a_read_only_key_reads_but_cannot_change_anything(shops):
    _, ours, _ = shops
    api, _ = key_client(ours.organization.partner, scope="read")

    assert api.get("/api/v1/integrations/").status_code == 200
    refused = api.post("/api/v1/integrations/ours/pause/")
    assert refused.status_code == 403
    assert "read-only" in refused.json()["error"]["message"]


def test_a_revoked_key_answers_401_with_what_to_do(agency):
    api, issued, _ = agency

    assert api.post(f"/api/v1/keys/{issued.api_key.pk}/revoke/").json()["state"] == "revoked"
    refused = api.get("/api/v1/integrations/")

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "authentication_failed"
    assert "make a new one" in refused.json()["error"]["message"]


def test_an_expired_key_no_longer_authenticates(agency):
    api, issued, _ = agency
    ApiKey.objects.filter(pk=issued.api_key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert api.get("/api/v1/integrations/").status_code == 401


def test_an_expiry_in_the_past_is_refused_next_to_the_field(agency):
    api, _, _ = agency

    answer = api.post("/api/v1/keys/", {"name": "old", "expires_at": "2001-01-01T00:00:00Z"}, format="json")

    assert answer.status_code == 400
    assert "expires_at" in answer.json()["error"]["fields"]


def test_no_key_and_a_garbled_key_are_401_in_the_one_error_format(shops):
    anonymous = APIClient().get("/api/v1/integrations/")
    garbled = APIClient(HTTP_AUTHORIZATION="Bearer jp_nothing").get("/api/v1/integrations/")

    assert anonymous.status_code == garbled.status_code == 401
    assert set(anonymous.json()["error"]) == {"code", "message", "fields"}
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"


def test_keys_of_another_partner_are_not_found(agency, rival):
    api, _, _ = agency
    _, theirs_key, _ = rival

    assert api.get(f"/api/v1/keys/{theirs_key.api_key.pk}/").status_code == 404
    assert api.post(f"/api/v1/keys/{theirs_key.api_key.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get(pk=theirs_key.api_key.pk).revoked_at is None


def test_the_console_makes_a_key_and_shows_it_once(client, shops):
    _, ours, _ = shops
    staff = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-long-enough-1")
    client.force_login(staff)

    answer = client.post("/admin/integrations/apikey/add/", {"partner": ours.organization.partner.pk,
                                                             "name": "Agency scripts", "scope": "read_write"},
                         follow=True)

    key = ApiKey.objects.get(name="Agency scripts")
    shown = [str(m) for m in answer.context["messages"]]
    assert any(f"jp_{key.prefix}_" in message for message in shown)
    assert key.created_by == staff
