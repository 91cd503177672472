"""Conventions every endpoint keeps: unknown parameters refused, one error body, idempotent POSTs,
per-key throttling, ETag/If-Match on settings, cursor pagination."""

import pytest
from django.test import override_settings

from integrations.connectors.ratelimit import shared_limiter
from integrations.models import Flow, SyncRecord, SyncRun

pytestmark = pytest.mark.django_db


def test_an_unknown_filter_is_400_naming_it_not_silently_ignored(agency):
    api, _, _ = agency

    answer = api.get("/api/v1/integrations/ours/records/", {"source_ref": "10001-1"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unknown_parameter"
    assert list(answer.json()["error"]["fields"]) == ["source_ref"]
    assert "search" in answer.json()["error"]["message"]  # it says what the endpoint does take


def test_records_are_found_by_their_shipment_number(agency):
    api, _, ours = agency
    run = SyncRun.objects.get(flow__integration=ours)
    SyncRecord.objects.create(run=run, integration=ours, object_type="invoice", source_id="88", source_ref="10001-1",
                              status="created", target_id="501")

    found = api.get("/api/v1/integrations/ours/records/", {"search": "10001-1"}).json()["results"]

    assert [r["source_ref"] for r in found] == ["10001-1"]


def test_a_post_repeated_with_the_same_idempotency_key_answers_the_first_answer_again(agency):
    api, _, ours = agency
    body = {"name": "Nordic Wear", "slug": "nordic-wear"}

    first = api.post("/api/v1/organizations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/organizations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = api.post("/api/v1/organizations/", {**body, "slug": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert ours.organization.partner.organizations.filter(slug="nordic-wear").count() == 1


@override_settings(API_RATE_LIMIT="3/60")
def test_a_key_over_its_rate_gets_429_with_retry_after(agency):
    api, issued, _ = agency
    shared_limiter().reset(f"api:key:{issued.api_key.pk}")

    answers = [api.get("/api/v1/errors/") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert answers[-1].json()["error"]["code"] == "throttled"


def test_flow_settings_change_only_against_the_version_read(agency):
    api, _, ours = agency
    url = "/api/v1/integrations/ours/flows/orders/"
    etag = api.get(url).headers["ETag"]

    missing = api.patch(url, {"batch_size": 20}, format="json")
    saved = api.patch(url, {"batch_size": 20}, format="json", HTTP_IF_MATCH=etag)
    stale = api.patch(url, {"batch_size": 30}, format="json", HTTP_IF_MATCH=etag)

    assert missing.status_code == 428
    assert saved.status_code == 200
    assert saved.json()["batch_size"] == 20
    assert stale.status_code == 412
    assert Flow.objects.get(integration=ours, kind="orders").batch_size == 20


def test_bookkeeping_refuses_a_stale_etag_and_accounts_outside_four_digits(agency):
    api, _, _ = agency
    url = "/api/v1/integrations/ours/bookkeeping/"
    etag = api.get(url).headers["ETag"]

    bad = api.patch(url, {"freight_account": 99}, format="json", HTTP_IF_MATCH=etag)
    saved = api.patch(url, {"freight_account": 3521}, format="json", HTTP_IF_MATCH=etag)
    stale = api.patch(url, {"freight_account": 3522}, format="json", HTTP_IF_MATCH=etag)

    assert bad.status_code == 400
    assert "freight_account" in bad.json()["error"]["fields"]
    assert saved.status_code == 200
    assert saved.headers["ETag"] != etag
    assert stale.status_code == 412


def test_lists_page_with_a_cursor_and_never_repeat_an_item(agency):
    api, _, ours = agency
    run = SyncRun.objects.get(flow__integration=ours)
    SyncRecord.objects.bulk_create([SyncRecord(run=run, integration=ours, object_type="invoice", source_id=str(n),
                                               status="created") for n in range(5)])

    seen, url = [], "/api/v1/integrations/ours/records/?page_size=2"
    while url:
        page = api.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]

    assert len(seen) == len(set(seen)) == 6
