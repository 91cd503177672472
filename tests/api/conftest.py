"""Two shops, one looked after by a partner and one not, each with a failed record in a run."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integrations.models import Membership, Partner, SyncRecord, SyncRun
from tests import factories


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def shops():
    agency = Partner.objects.create(name="Agency", slug="agency")
    ours = factories.integration(factories.centra_connection(factories.organization("ours")),
                                 factories.fortnox_connection(factories.organization("ours")), slug="ours")
    ours.organization.partner = agency
    ours.organization.save()
    theirs = factories.integration(factories.centra_connection(factories.organization("theirs")),
                                   factories.fortnox_connection(factories.organization("theirs")), slug="theirs")
    partner_user = get_user_model().objects.create_user("agent")
    Membership.objects.create(user=partner_user, partner=agency)
    for integration in (ours, theirs):
        run = SyncRun.objects.create(flow=integration.flows.get(), trigger="schedule", status="partial")
        SyncRecord.objects.create(run=run, integration=integration, object_type="invoice", source_id="7",
                                  status="failed", error_code="unknown_sku", message="SKU 'X' has no article")
    return partner_user, ours, theirs


def key_client(partner, *, scope="read_write", user=None):
    """An API client sending a fresh key of `partner` as a Bearer token."""
    from integrations.services import api_keys

    user = user or get_user_model().objects.create_user(f"maker-{partner.slug}-{scope}")
    issued = api_keys.issue(partner, name="tests", scope=scope, user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    return client, issued


@pytest.fixture
def agency(shops):
    """The partner looking after `ours`, and a read-write key client of it."""
    _, ours, _ = shops
    client, issued = key_client(ours.organization.partner)
    return client, issued, ours


@pytest.fixture
def rival(shops):
    """Another partner, looking after `theirs`, with its own key."""
    _, _, theirs = shops
    other = Partner.objects.create(name="Rival", slug="rival")
    theirs.organization.partner = other
    theirs.organization.save()
    client, issued = key_client(other)
    return client, issued, theirs
