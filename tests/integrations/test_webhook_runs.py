"""A signed Centra webhook brings in what no sweep would find, processed from the store, once; staff
see the webhook URL (with its token) and can retire it."""

import time
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone

from integrations.connections import set_credentials
from integrations.flows.runner import run_flow
from integrations.models import Integration, WebhookEvent, WebhookRefusal
from integrations.webhooks import webhook_path
from sandbox.centra import services as centra
from sandbox.centra.models import Shipment
from sandbox.centra.webhooks import encode_body, sign

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "webhook-secret-of-the-shop"


def deliver(slug, events, secret=SECRET):
    """POST to the integration's webhook URL (slug and token), signed as Centra signs."""
    body = encode_body(events)
    stamp = int(time.time())
    return Client().post(webhook_path(Integration.objects.get(slug=slug)), body,
                         content_type="application/x-www-form-urlencoded",
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


def test_badly_signed_webhook_is_refused_counted_and_nothing_runs(world):
    set_credentials(world.integration.source, webhook_secret=SECRET)
    shipment = world.ship(world.order(("COAT", 1, "1500")))

    answer = deliver("shop", [{"type": "shipment", "action": "create", "date": "x", "id": shipment.pk}],
                     secret="not-the-secret")

    assert answer.status_code == 401
    assert not WebhookEvent.objects.exists()
    assert WebhookRefusal.objects.get(integration=world.integration).reason == "bad_signature"


def test_centra_posts_to_the_webhook_url_staff_see(world, admin_client, live_server):
    """The URL the console shows is the one that works: the sandbox's Centra posts to it over HTTP."""
    set_credentials(world.integration.source, webhook_secret=SECRET)
    page = admin_client.get(f"/admin/integrations/integration/{world.integration.pk}/change/").content.decode()
    assert webhook_path(world.integration) in page  # slug and token, read-only

    world.store.webhook_url = f"{live_server.url}{webhook_path(world.integration)}"
    world.store.webhook_secret = SECRET
    world.store.save()
    shipment = world.ship(world.order(("COAT", 1, "1500")))  # the sandbox delivers its webhook on commit

    assert WebhookEvent.objects.filter(object_type="shipment", object_id=str(shipment.pk)).exists()
    assert world.store.webhook_deliveries.get(events__0__id=shipment.pk).status == "DELIVERED"


def test_regenerating_the_webhook_url_retires_the_old_one_and_is_audited(world, admin_client, admin_user):
    set_credentials(world.integration.source, webhook_secret=SECRET)
    old_path = webhook_path(world.integration)
    event = {"type": "shipment", "action": "create", "date": "2026-11-22 10:00:00.000001", "id": 1}

    url = f"/admin/integrations/integration/{world.integration.pk}/webhook/"
    assert "The old URL stops working at once" in admin_client.get(url).content.decode()  # it asks first
    assert Integration.objects.get(pk=world.integration.pk).webhook_token in old_path
    response = admin_client.post(url, {"confirm": "yes"}, follow=True)

    integration = Integration.objects.get(pk=world.integration.pk)
    assert integration.webhook_token not in old_path
    assert webhook_path(integration) in response.content.decode()
    assert "Regenerated the webhook URL token" in LogEntry.objects.get(user=admin_user).change_message
    assert integration.webhook_token not in LogEntry.objects.get(user=admin_user).change_message
    body = encode_body([event])
    old = Client().post(old_path, body, content_type="application/x-www-form-urlencoded",
                        HTTP_X_CENTRA_SIGNATURE=sign(SECRET, int(time.time()), body))
    assert old.status_code == 404
    assert deliver("shop", [event]).status_code == 202
