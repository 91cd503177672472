"""Partners see and retry the records of the shops they look after, and no one else's."""

import pytest
from rest_framework.test import APIClient

from integrations.models import SyncRecord

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_partner_sees_only_the_shops_it_looks_after(shops):
    partner_user, ours, theirs = shops
    api = client_for(partner_user)

    listed = api.get("/api/v1/integrations/").json()["results"]

    assert [i["slug"] for i in listed] == ["ours"]
    assert api.get("/api/v1/integrations/theirs/").status_code == 404
    assert api.get("/api/v1/integrations/theirs/records/").status_code == 404


def test_records_show_the_error_code_and_what_to_do(shops):
    partner_user, ours, _ = shops

    [record] = client_for(partner_user).get("/api/v1/integrations/ours/records/?open=true").json()["results"]

    assert record["error_code"] == "unknown_sku"
    assert record["error"]["advice"].startswith("Create the article in the ERP")
    assert record["error"]["retryable"] is False


def test_retry_by_error_code_queues_the_open_failures(shops):
    partner_user, ours, theirs = shops

    answer = client_for(partner_user).post("/api/v1/integrations/ours/records/retry/",
                                           {"error_code": "unknown_sku"}, format="json")

    assert answer.json()["queued"] == 1
    assert SyncRecord.objects.get(integration=ours).next_retry_at is not None
    assert SyncRecord.objects.get(integration=theirs).next_retry_at is None


def test_anonymous_callers_are_refused_and_the_catalog_is_published(shops):
    assert APIClient().get("/api/v1/integrations/").status_code == 401
    catalog = client_for(shops[0]).get("/api/v1/errors/").json()
    assert {"code", "title", "advice", "retryable"} <= set(catalog[0])
    assert "unknown_sku" in {entry["code"] for entry in catalog}
    schema = client_for(shops[0]).get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/integrations/{integration_slug}/records/retry/" in schema.content
