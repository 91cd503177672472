"""A signed Centra webhook brings in what no sweep would find, processed from the store, once."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.connections import set_credentials
from integrations.flows.runner import run_flow
from integrations.models import WebhookEvent
from sandbox.centra import services as centra
from sandbox.centra.models import Shipment
from sandbox.centra.webhooks import encode_body, sign

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "webhook-secret-of-the-shop"


def deliver(slug, events, secret=SECRET):
    body = encode_body(events)
    stamp = int(time.time())
    return Client().post(f"/hooks/centra/{slug}/", body, content_type="application/x-www-form-urlencoded",
                         HTTP_X_CENTRA_SIGNATURE=sign(secret, stamp, body))


def test_webhook_for_a_shipment_older_than_the_sweep_window_makes_its_invoice(world):
    set_credentials(world.integration.source, webhook_secret=SECRET)
    old = world.order(("COAT", 1, "1500"), created_at=timezone.now() - timedelta(days=90))
    shipment = world.ship(old)
    centra.complete_shipment(shipment)
    # Its last change lies before the backfill window, as for a shipment fixed by hand long ago.
    Shipment.objects.filter(pk=shipment.pk).update(updated_at=timezone.now() - timedelta(days=90))
    run_flow(world.flow)
    assert world.invoices() == []  # the sweep cannot see it ...

    event = {"type": "shipment", "action": "create", "date": "2026-11-22 10:00:00.000001", "id": shipment.pk}
    assert deliver("shop", [event]).status_code == 202
    assert deliver("shop", [event]).status_code == 202  # a duplicated delivery
    run = run_flow(world.flow)

    assert run.created == 1  # ... the webhook can
    assert [i["ExternalInvoiceReference1"] for i in world.invoices()] == [f"centra-shipment-{shipment.pk}"]
    assert list(WebhookEvent.objects.values_list("status", flat=True)) == ["processed"]


def test_badly_signed_webhook_is_refused_and_nothing_runs(world):
    set_credentials(world.integration.source, webhook_secret=SECRET)
    shipment = world.ship(world.order(("COAT", 1, "1500")))

    answer = deliver("shop", [{"type": "shipment", "action": "create", "date": "x", "id": shipment.pk}],
                     secret="not-the-secret")

    assert answer.status_code == 401
    assert WebhookEvent.objects.get().status == "rejected"
