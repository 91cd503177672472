"""A refused consent is an outage, not bad data.

When Fortnox (or Centra) refuses our access, the run stops at the first refusal: no record is
marked failed and no cursor moves. The connection turns unhealthy, every flow using it pauses
(whatever integration), one alert says how to reconnect, and `run_flow` exits non-zero. Once access
is back (the OAuth reconnect, or the scheduled health check), the flows resume from their cursors
and sync everything that happened meanwhile, however long it lasted, exactly once.
"""

import io
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlparse

import pytest
import requests
import responses
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from integrations import tasks
from integrations.connections import erp_for, set_credentials
from integrations.domain.errors import SyncError
from integrations.models import Alert, Connection, Flow, Integration, RecordLink, SyncRecord, SyncRun
from sandbox.centra import services as centra
from sandbox.centra.models import Shipment, Store
from sandbox.fortnox import services as fortnox
from tests import factories
from tests.integrations.conftest import FAST, refreshed

pytestmark = pytest.mark.django_db(transaction=True)


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def staff(django_user_model):
    """Staff who may change connections, as the admin's permissions say (not a superuser)."""
    user = django_user_model.objects.create_user("ops", email="ops@junipeer.test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_connection"))
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def callback_uri() -> str:
    return f"{settings.SITE_URL}{reverse('integrations:oauth-callback')}"


def reconnect_path(connection: Connection) -> str:
    return reverse("integrations:reconnect", args=[connection.pk])


def consent_knob(world) -> str:
    return f"{world.integration.target.base_url.rsplit('/sandbox/', 1)[0]}/sandbox/faults/fortnox/consents/" \
           f"{quote(world.tenant.name)}/{world.app.client_id}"


def withdraw_consent(world) -> None:
    """The customer removes Junipeer's integration in Fortnox (the simulator's HTTP knob)."""
    answer = requests.delete(consent_knob(world), timeout=10).json()
    assert answer["consented"] is False


def outlet_integration(world) -> Integration:
    """A second shop front (its own Centra store) invoicing into the same Fortnox connection."""
    store = centra.create_store("outlet", name="Outlet", plan="enterprise")
    centra.create_product(store, "COAT", "Wool Coat")
    source = Connection.objects.create(
        organization=world.integration.organization, name="Centra outlet", kind="centra",
        base_url=world.integration.source.base_url.replace("/centra/shop", "/centra/outlet"), settings=FAST,
        credentials={"api_token": store.api_token},
    )
    return factories.integration(source, world.integration.target, slug="outlet")


def enable_refunds(world) -> Flow:
    return Flow.objects.create(integration=world.integration, kind=Flow.Kind.REFUNDS, enabled=True)


def ship_two_orders(world, at=None) -> list[Shipment]:
    """Two orders shipped (optionally back in time: created and last changed at `at`)."""
    shipments = [world.ship(world.order(("COAT", 1, "1500"), created_at=at), created_at=at),
                 world.ship(world.order(("SCARF", 2, "300"), email="bo@example.com", created_at=at), created_at=at)]
    if at is not None:  # capturing the payment touched them; the outage is when they really changed
        Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(updated_at=at)
    return shipments


def run_every_enabled_flow(flows: list[Flow]) -> list[str]:
    """What the workers do with each flow's scheduled task."""
    return [tasks.run_flow_task(flow.pk) for flow in flows]


def open_alerts():
    return Alert.objects.filter(resolved_at__isnull=True)


def reconnect_through_fortnox(staff_client, world) -> str:
    """Staff click "Reconnect Fortnox"; the shop logs in to its company on Fortnox's consent page
    (the simulator's `tenant` parameter stands in for the login) and approves; Fortnox sends the
    browser back to our callback. Returns the page the callback showed."""
    start = staff_client.get(reconnect_path(world.integration.target))
    assert start.status_code == 302
    consent_url = start["Location"]
    asked = parse_qs(urlparse(consent_url).query)
    assert consent_url.startswith(f"{world.integration.target.auth_url}/oauth-v1/auth?")
    assert (asked["client_id"], asked["response_type"], asked["access_type"]) == (["client-id"], ["code"], ["offline"])
    assert asked["redirect_uri"] == [callback_uri()]
    assert len(asked["state"][0]) >= 32
    assert "invoice" in asked["scope"][0].split()
    page = staff_client.get(f"{consent_url}&tenant={quote(world.tenant.name)}", follow=True)
    assert page.status_code == 200
    return page.content.decode()


# --- the outage, end to end ------------------------------------------------------------------


def test_withdrawn_consent_pauses_every_flow_of_the_connection_and_reconnecting_invoices_each_shipment_once(
        world, staff_client):
    world.app.redirect_uri = callback_uri()  # registered in Fortnox's Developer Portal: it must match
    world.app.save()
    target = world.integration.target
    outlet = outlet_integration(world)
    flows = [world.flow, enable_refunds(world), outlet.flows.get()]
    assert tasks.check_connections() == "3 healthy, 0 unhealthy"  # learns the tenant id: client credentials too
    run_every_enabled_flow(flows)
    cursors = {flow.pk: Flow.objects.get(pk=flow.pk).cursor for flow in flows}
    withdraw_consent(world)
    shipments = ship_two_orders(world)

    results = run_every_enabled_flow(flows)

    refused = SyncRun.objects.get(error_code="auth_expired")
    assert (refused.flow, refused.status) == (world.flow, SyncRun.Status.FAILED)
    assert "consent withdrawn" in refused.error_message
    assert "no record was marked failed" in refused.error_message
    assert all("paused" in result for result in results[1:])  # no other run went into the wall
    assert not SyncRecord.objects.exists()  # nothing failed: not as remote_rejected, not at all
    assert {flow.pk: Flow.objects.get(pk=flow.pk).cursor for flow in flows} == cursors
    assert refreshed(target).health == Connection.Health.UNHEALTHY
    assert "re-authorize" in refreshed(target).health_message
    assert not tasks.runnable_flows().exists()
    assert tasks.run_due_flows() == 0
    [alert] = open_alerts()
    assert (alert.kind, alert.connection) == (Alert.Kind.CONNECTION_UNHEALTHY, target)
    assert "Reconnect Fortnox" in alert.message
    [to_staff] = mail.outbox  # the demo shop has no contact e-mail: staff only
    assert f"Fix the connection: {settings.SITE_URL}{reconnect_path(target)}" in to_staff.body

    stderr = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("run_flow", "shop", "orders", stderr=stderr, stdout=io.StringIO())
    assert exited.value.code != 0
    assert "Reconnect Fortnox" in stderr.getvalue()
    assert f"{settings.SITE_URL}{reconnect_path(target)}" in stderr.getvalue()
    assert list(open_alerts()) == [alert]
    assert not SyncRecord.objects.exists()

    page = reconnect_through_fortnox(staff_client, world)

    assert "is reconnected" in page
    assert "health check answered OK" in page
    assert refreshed(target).health == Connection.Health.HEALTHY
    assert not open_alerts().exists()
    assert set(tasks.runnable_flows()) == set(flows)
    run_every_enabled_flow(flows)
    run_every_enabled_flow(flows)  # and once more: nothing twice
    invoices = world.invoices()
    assert sorted(invoice["ExternalInvoiceReference1"] for invoice in invoices) == sorted(
        f"centra-shipment-{shipment.pk}" for shipment in shipments)
    assert RecordLink.objects.filter(object_type="invoice").count() == 2
    assert not SyncRecord.objects.filter(status=SyncRecord.Status.FAILED).exists()


def test_an_outage_of_two_hours_is_synced_from_the_cursor_once_the_health_check_finds_access_again(world):
    """Only a cursor the refused runs left alone finds shipments older than the sweep's overlap."""
    assert tasks.check_connections() == "2 healthy, 0 unhealthy"
    last_good_run = timezone.now() - timedelta(hours=2, minutes=5)
    Flow.objects.filter(pk=world.flow.pk).update(cursor={"since": last_good_run.isoformat(timespec="seconds")})
    cursor = Flow.objects.get(pk=world.flow.pk).cursor
    withdraw_consent(world)
    shipments = ship_two_orders(world, at=timezone.now() - timedelta(hours=2))
    run_every_enabled_flow([world.flow, world.flow])  # the second is paused

    assert Flow.objects.get(pk=world.flow.pk).cursor == cursor
    assert SyncRun.objects.filter(error_code="auth_expired").count() == 1
    assert not world.invoices()
    assert not SyncRecord.objects.exists()

    answer = requests.put(consent_knob(world), json={"service_account": True}, timeout=10).json()
    assert answer["consented"]  # the shop approves Junipeer again (a service consent)
    assert tasks.check_connections() == "2 healthy, 0 unhealthy"
    assert not open_alerts().exists()
    run_every_enabled_flow([world.flow])

    assert sorted(invoice["ExternalInvoiceReference1"] for invoice in world.invoices()) == sorted(
        f"centra-shipment-{shipment.pk}" for shipment in shipments)


def test_a_refused_run_stops_at_the_first_refusal_however_many_shipments_wait(world, monkeypatch):
    tasks.check_connections()
    for index in range(8):
        world.ship(world.order(("COAT", 1, "1500"), email=f"c{index}@example.com"))
    withdraw_consent(world)
    sent = []
    send = requests.Session.request

    def counted(session, method, url, *args, **kwargs):
        sent.append(url)
        return send(session, method, url, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", counted)
    run = tasks.run_flow_task(world.flow.pk)

    to_fortnox = [url for url in sent if "/sandbox/fortnox/" in url]
    # The run: one API call (401), the refresh and the client-credentials grant, both refused. The
    # health check after it: the same three. One refusal per record would be 8 x 3.
    assert len(to_fortnox) == 6, to_fortnox
    assert "failed" in run
    assert not SyncRecord.objects.exists()


def test_centra_refusing_its_api_token_pauses_the_flows_and_asks_for_a_new_token(world, staff):
    """The same path as Fortnox: an auth failure on the source stops the run and pauses its flows."""
    [shipment, _] = ship_two_orders(world)
    source = world.integration.source
    Store.objects.filter(pk=world.store.pk).update(api_token="rotated-token")  # the shop revoked ours

    run = tasks.run_flow_task(world.flow.pk)

    assert "failed" in run
    assert not SyncRecord.objects.exists()
    assert not world.invoices()
    assert refreshed(source).health == Connection.Health.UNHEALTHY
    assert refreshed(world.integration.target).health == Connection.Health.HEALTHY
    [alert] = open_alerts()
    assert alert.connection == source
    assert "Enter a new Centra API token" in alert.message
    [to_staff] = mail.outbox
    assert reverse("admin:integrations_connection_change", args=[source.pk]) in to_staff.body
    assert "paused" in tasks.run_flow_task(world.flow.pk)

    set_credentials(source, api_token="rotated-token")  # staff enter the shop's new token
    assert tasks.check_connections() == "2 healthy, 0 unhealthy"
    tasks.run_flow_task(world.flow.pk)

    assert len(world.invoices()) == 2
    assert not open_alerts().exists()


# --- the reconnect pages ----------------------------------------------------------------------


def started_state(staff_client, connection) -> str:
    return parse_qs(urlparse(staff_client.get(reconnect_path(connection))["Location"]).query)["state"][0]


@pytest.mark.parametrize("case", ["no state", "unknown state", "access denied", "refused code", "state used twice"])
def test_reconnect_callback_answers_bad_input_with_a_clear_page_and_changes_nothing(world, staff_client, case):
    target = world.integration.target
    callback = reverse("integrations:oauth-callback")
    if case == "no state":
        params, expected = {"code": "abc"}, "carried no state"
    elif case == "unknown state":
        params, expected = {"code": "abc", "state": "made-up"}, "does not match a reconnect"
    elif case == "access denied":
        params = {"error": "access_denied", "error_description": "The user denied access",
                  "state": started_state(staff_client, target)}
        expected = "Fortnox did not give access (access_denied: The user denied access)"
    elif case == "refused code":
        params, expected = {"code": "not-a-code", "state": started_state(staff_client, target)}, \
            "Fortnox refused the authorization code [auth_expired]"
    else:
        state = started_state(staff_client, target)
        staff_client.get(callback, {"error": "access_denied", "state": state})
        params, expected = {"code": "abc", "state": state}, "already used state"
    before = refreshed(target).credentials

    page = staff_client.get(callback, params)

    assert page.status_code == 400
    assert expected in page.content.decode()
    assert refreshed(target).credentials == before


def test_reconnect_refuses_tokens_for_another_fortnox_company(world, staff_client):
    """A person with several Fortnox companies may approve the wrong one: its tokens never reach our store."""
    tasks.check_connections()  # the connection knows its company
    target = world.integration.target
    other = fortnox.create_tenant("Other AB")
    before = refreshed(target).credentials
    consent_url = staff_client.get(reconnect_path(target))["Location"]

    page = staff_client.get(f"{consent_url}&tenant={quote(other.name)}", follow=True)

    assert page.status_code == 400
    assert f"approved for Fortnox company {other.database_number}" in page.content.decode()
    assert refreshed(target).credentials == before


def test_only_staff_who_may_change_connections_can_reconnect(world, client, django_user_model):
    target = world.integration.target
    assert client.get(reconnect_path(target))["Location"].startswith(reverse("admin:login"))
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    client.force_login(viewer)
    assert client.get(reconnect_path(target)).status_code == 403
    assert client.get(reverse("integrations:oauth-callback"), {"state": "x"}).status_code == 403


def test_connection_admin_page_links_to_the_reconnect(world, admin_client):
    page = admin_client.get(reverse("admin:integrations_connection_change", args=[world.integration.target.pk]))
    assert f'href="{reconnect_path(world.integration.target)}"' in page.content.decode()


# --- the token endpoint's refusals --------------------------------------------------------------

API, TOKEN_URL = "https://api.fortnox.test/3", "https://apps.fortnox.test/oauth-v1/token"


@responses.activate
@pytest.mark.parametrize(("status", "error"), [(400, "invalid_grant"), (401, "invalid_client"),
                                           (400, "unauthorized_client"), (400, "invalid_scope")])
def test_a_refusal_from_the_token_endpoint_is_an_auth_failure_never_a_rejected_document(status, error):
    connection = factories.fortnox_connection(expires_in=-1)  # the next call must refresh first
    set_credentials(connection, tenant_id="1000001")
    responses.post(TOKEN_URL, status=status, json={"error": error, "error_description": "refused"})

    with pytest.raises(SyncError) as refused:
        erp_for(connection).check()

    assert refused.value.code == "auth_expired"
    grants = [parse_qs(call.request.body)["grant_type"][0] for call in responses.calls]
    # A wrong client id or secret fails every grant: no point asking for client credentials.
    assert grants == (["refresh_token"] if error == "invalid_client" else ["refresh_token", "client_credentials"])

