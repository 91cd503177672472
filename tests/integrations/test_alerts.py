"""Staff hear about failures once, and a tenant that refuses us is left alone until it recovers."""

import pytest
from django.core import mail

from integrations import tasks
from integrations.connections import set_credentials
from integrations.flows.runner import run_flow
from integrations.models import Alert, Connection
from sandbox import faults
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.models import RefreshToken

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("ops", email="ops@junipeer.test", is_staff=True)


def kill_fortnox_access(world):
    """Every token dead: the access token expired and the refresh token was revoked."""
    fortnox.expire_access_tokens(world.tenant)
    RefreshToken.objects.filter(tenant=world.tenant).delete()


def test_failed_run_alerts_once_and_closes_when_a_run_succeeds(world, staff, settings):
    world.ship(world.order(("COAT", 1, "1500")))
    world.integration.organization.contact_email = "owner@shop.example"
    world.integration.organization.save()
    faults.set_faults("centra", rate_5xx=1.0)  # Centra down: the run cannot even read what changed

    first = run_flow(world.flow)
    run_flow(world.flow)

    [alert] = Alert.objects.filter(kind=Alert.Kind.RUN_FAILED)
    assert (first.status, first.error_code) == ("failed", "upstream_unavailable")
    assert alert.occurrences == 2
    # mailed once to each audience, however often it repeats; the shop's mail links to its own area
    assert {tuple(message.to) for message in mail.outbox} == {("ops@junipeer.test",), ("owner@shop.example",)}
    to_shop = next(message for message in mail.outbox if message.to == ["owner@shop.example"])
    assert f"{settings.SITE_URL}/app/alerts/{alert.pk}/" in to_shop.body
    assert "/admin/" not in to_shop.body.rsplit("See ", 1)[1]

    faults.clear_faults("centra")
    assert run_flow(world.flow).status == "succeeded"
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_refused_access_is_one_connection_alert_not_one_per_run(world, staff):
    """Every run that meets the refusal points at the same cause: the connection's alert says it."""
    world.ship(world.order(("COAT", 1, "1500")))
    kill_fortnox_access(world)

    runs = [run_flow(world.flow), run_flow(world.flow)]

    assert {(run.status, run.error_code) for run in runs} == {("failed", "auth_expired")}
    [alert] = Alert.objects.filter(resolved_at__isnull=True)
    assert (alert.kind, alert.connection_id, alert.occurrences) == (
        Alert.Kind.CONNECTION_UNHEALTHY, world.integration.target_id, 2)
    assert len(mail.outbox) == 1


def test_refused_access_mails_each_reader_the_place_where_they_can_reconnect(world, staff, settings):
    """The shop's contact cannot open the console: its mail leads to the connection in its own area;
    staff get the console's reconnect link. The stored alert carries no link, since both read it."""
    world.integration.organization.contact_email = "owner@shop.example"
    world.integration.organization.save()
    world.ship(world.order(("COAT", 1, "1500")))
    kill_fortnox_access(world)

    run_flow(world.flow)

    [alert] = Alert.objects.filter(resolved_at__isnull=True)
    to_shop = next(message for message in mail.outbox if message.to == ["owner@shop.example"])
    to_staff = next(message for message in mail.outbox if message.to == ["ops@junipeer.test"])
    target = world.integration.target_id
    assert "Reconnect Fortnox" in alert.message
    assert "http" not in alert.message
    assert f"Fix the connection: {settings.SITE_URL}/app/connections/{target}/" in to_shop.body
    assert "/admin/" not in to_shop.body
    assert f"{settings.SITE_URL}/connections/{target}/reconnect/" in to_staff.body


def test_refused_connection_pauses_its_flows_until_it_answers_again(world, staff):
    world.ship(world.order(("COAT", 1, "1500")))
    kill_fortnox_access(world)
    run_flow(world.flow)
    target = Connection.objects.get(pk=world.integration.target_id)

    paused = tasks.run_due_flows()

    assert target.health == "unhealthy"
    assert paused == 0  # circuit open: no run hammers the tenant
    assert Alert.objects.get(kind=Alert.Kind.CONNECTION_UNHEALTHY, resolved_at__isnull=True)

    tokens = fortnox.issue_tokens(world.tenant, world.app)
    set_credentials(target, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"])
    assert tasks.check_connections() == "2 healthy, 0 unhealthy"
    assert tasks.runnable_flows().filter(pk=world.flow.pk).exists()  # its schedule resumes it from the cursor
    assert run_flow(world.flow).created == 1
    assert not Alert.objects.filter(kind=Alert.Kind.CONNECTION_UNHEALTHY, resolved_at__isnull=True).exists()


def test_many_failed_records_in_a_run_alert(world, staff, settings):
    settings.ALERT_MIN_FAILED_RECORDS = 2
    for index in range(3):
        world.ship(world.order(("SOCK", 1, "99"), email=f"s{index}@example.com"))

    run_flow(world.flow)

    alert = Alert.objects.get(kind=Alert.Kind.FAILURE_THRESHOLD)
    assert "3 of 3 records failed" in alert.message
