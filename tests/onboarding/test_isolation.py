"""One shop never reaches another's data, and a viewer changes nothing.

Table-driven over every URL of the self-service area and the wizard: the owner of shop B opens each
one, with GET and with POST, carrying shop A's ids (integration, flow, connection, record, alert);
every answer is 404 and the database is exactly as it was. A table that misses a URL fails too.
"""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import URLPattern, reverse
from django_q.models import OrmQ

from integrations.models import (
    Alert,
    Connection,
    Flow,
    Integration,
    Membership,
    Organization,
    RecordLink,
    SyncRecord,
    SyncRun,
)
from onboarding import urls as onboarding_urls
from onboarding.models import Invitation, Wizard

from .fixtures import build_shop, make_owner

SNAPSHOT_MODELS = (Organization, Connection, Integration, Flow, SyncRun, SyncRecord, RecordLink, Alert, Membership,
                   Wizard, Invitation, LogEntry, OrmQ)


def snapshot() -> dict:
    """Every row of every table a page could change, credentials included (decrypted)."""
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in SNAPSHOT_MODELS}


@pytest.fixture
def shops(db):
    return build_shop("alpha", "Alpha AB", "10001", "anna@alpha.example"), build_shop(
        "beta", "Beta AB", "20002", "bo@beta.example")


# Every /app/ URL naming an object: how to fill it with a shop's ids, and what a POST carries.
BY_ID = {
    "flow-enabled": (lambda s: {"flow_id": s.flow.pk}, {"enabled": "0"}),
    "export": (lambda s: {"integration_id": s.integration.pk}, {"reference": "10001"}),
    "connection": (lambda s: {"connection_id": s.connection.pk}, {"base_url": "https://evil.example"}),
    "connection-check": (lambda s: {"connection_id": s.connection.pk}, {}),
    "reconnect": (lambda s: {"connection_id": s.connection.pk}, {}),
    "record": (lambda s: {"record_id": s.failed.pk}, {}),
    "record-retry": (lambda s: {"record_id": s.failed.pk}, {}),
    "record-resolve": (lambda s: {"record_id": s.failed.pk}, {"resolution": "ignored", "reason": "not mine"}),
    "alert": (lambda s: {"alert_id": s.alert.pk}, {"note": "not mine"}),
}
# /app/ URLs that take an integration by query parameter (a filter), not in the path.
BY_QUERY = ("log", "retry-all")


def _patterns():
    return {p.name: str(p.pattern) for p in onboarding_urls.urlpatterns if isinstance(p, URLPattern)}


def test_the_table_names_every_url_of_the_area_that_takes_an_id():
    with_ids = {name for name, route in _patterns().items() if "<" in route}
    assert with_ids - {"accept-invitation"} == set(BY_ID)  # an invitation is found by its secret token


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", sorted(BY_ID))
def test_another_shops_id_in_the_path_is_not_found_and_changes_nothing(client, shops, name, method):
    alpha, beta = shops
    ids, data = BY_ID[name]
    client.force_login(beta.owner)
    before = snapshot()
    answer = getattr(client, method)(reverse(f"onboarding:{name}", kwargs=ids(alpha)), data)
    assert answer.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", BY_QUERY)
def test_another_shops_integration_as_a_filter_is_not_found_and_changes_nothing(client, shops, name, method):
    alpha, beta = shops
    client.force_login(beta.owner)
    before = snapshot()
    answer = getattr(client, method)(f"{reverse(f'onboarding:{name}')}?integration={alpha.integration.pk}",
                                      {"integration": alpha.integration.pk})
    assert answer.status_code == 404
    assert snapshot() == before


WIZARD = sorted(name for name, route in _patterns().items() if route.startswith("get-started/"))


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("name", WIZARD)
def test_the_wizard_reads_only_the_users_own_shop_whatever_ids_are_posted(client, shops, name, method):
    """Wizard URLs carry no ids: each works on the user's own organization, so shop A's ids posted
    in every field the wizard knows reach nothing of shop A, and no page shows any of it."""
    alpha, beta = shops
    client.force_login(beta.owner)
    foreign = {"integration": alpha.integration.pk, "connection": alpha.connection.pk, "flow": alpha.flow.pk,
               "record": alpha.failed.pk, "alert": alpha.alert.pk, "kind": "fortnox", "state": "forged",
               "code": "forged", "shipments": alpha.failed.source_id}
    before = {key: [row for row in rows if _of(alpha, key, row)] for key, rows in snapshot().items()}
    answer = getattr(client, method)(reverse(f"onboarding:{name}"), foreign, follow=True)
    assert answer.status_code in (200, 400, 404)
    page = answer.content.decode()
    for secret in ("Alpha AB", alpha.failed.source_ref, alpha.connection.base_url, alpha.integration.slug):
        assert secret not in page
    after = {key: [row for row in rows if _of(alpha, key, row)] for key, rows in snapshot().items()}
    assert after == before


def _of(shop, table: str, row: dict) -> bool:
    """Whether a snapshot row belongs to `shop` (the rows the other shop must never change)."""
    organization = shop.organization.pk
    return {"Organization": row.get("id") == organization, "Connection": row.get("organization_id") == organization,
            "Integration": row.get("organization_id") == organization,
            "Flow": row.get("integration_id") == shop.integration.pk,
            "SyncRun": row.get("flow_id") == shop.flow.pk,
            "SyncRecord": row.get("integration_id") == shop.integration.pk,
            "RecordLink": row.get("integration_id") == shop.integration.pk,
            "Alert": row.get("id") in (shop.alert.pk, shop.connection_alert.pk),
            "Membership": row.get("organization_id") == organization,
            "Wizard": row.get("organization_id") == organization,
            "Invitation": row.get("organization_id") == organization}.get(table, False)


# Every change a viewer might try, on its own shop's ids: the owners-only page, and nothing changed.
CHANGES = {
    **{name: (ids, data) for name, (ids, data) in BY_ID.items() if name not in ("record", "connection", "alert")},
    "connection": BY_ID["connection"], "alert": BY_ID["alert"], "retry-all": (lambda s: {}, {}),
    "settings-save": (lambda s: {}, {"company_name": "Renamed", "contact_email": "x@example.com"}),
    "invite": (lambda s: {}, {"email": "friend@example.com", "role": "owner"}),
    **{name: (lambda s: {}, {"kind": "fortnox", "base_url": "https://x.centra.test", "api_token": "t"})
       for name in WIZARD if name not in ("wizard", "wizard-test-progress", "wizard-erp-callback")},
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_viewer_can_change_nothing(client, shops, name):
    alpha, _ = shops
    viewer, _ = make_owner(email="viewer@alpha.example", role=Membership.Role.MEMBER, organization=alpha.organization)
    client.force_login(viewer)
    ids, data = CHANGES[name]
    before = snapshot()
    answer = client.post(reverse(f"onboarding:{name}", kwargs=ids(alpha)), data)
    assert answer.status_code == 403
    assert "Only an owner can do this" in answer.content.decode()
    assert snapshot() == before
