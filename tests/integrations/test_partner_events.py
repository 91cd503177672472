"""A partner hears of each thing when it happens: every failed run, a connection the moment it turns
unhealthy, each new open failure a run writes. One event, one delivery, sent once, through the queue
with its retries and log; not only when an alert opens (an alert opens once for many failed runs)."""

import pytest
import requests
import responses

from integrations import queue
from integrations.connections import check_connection, mark_health
from integrations.flows.runner import run_flow
from integrations.models import Alert, Partner, PartnerWebhookDelivery
from integrations.services import partner_webhooks
from sandbox import faults
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.models import RefreshToken

pytestmark = pytest.mark.django_db(transaction=True)
HOOK = "https://hooks.agency.example/junipeer"


@pytest.fixture
def subscribed(world):
    """The shop is looked after by a partner whose webhook wants every event."""
    partner = Partner.objects.create(name="Agency", slug="agency")
    world.integration.organization.partner = partner
    world.integration.organization.save()
    webhook, _ = partner_webhooks.register(partner, url=HOOK, events=[])
    return webhook


def sent(event: str) -> list[dict]:
    return [d.payload["data"] for d in PartnerWebhookDelivery.objects.filter(event=event).order_by("pk")]


def test_every_failed_run_is_its_own_event_though_its_alert_opens_once(world, subscribed):
    world.ship(world.order(("COAT", 1, "1500")))
    faults.set_faults("centra", rate_5xx=1.0)  # Centra down: the run cannot read what changed

    runs = [run_flow(world.flow), run_flow(world.flow)]

    assert [run.status for run in runs] == ["failed", "failed"]
    assert [data["run"]["id"] for data in sent("run.failed")] == [run.pk for run in runs]
    assert sent("run.failed")[0]["run"]["error_code"] == "upstream_unavailable"
    assert sent("run.failed")[0]["integration"] == "shop"
    assert Alert.objects.get(kind=Alert.Kind.RUN_FAILED).occurrences == 2
    assert len(sent("alert.opened")) == 1


def test_a_connection_turning_unhealthy_is_one_event_not_one_per_failing_check(world, subscribed):
    world.ship(world.order(("COAT", 1, "1500")))
    fortnox.expire_access_tokens(world.tenant)
    RefreshToken.objects.filter(tenant=world.tenant).delete()  # Fortnox refuses us from now on

    runs = [run_flow(world.flow), run_flow(world.flow)]  # each checks both connections again
    check_connection(world.integration.target)

    [unhealthy] = sent("connection.unhealthy")
    assert unhealthy["connection"]["id"] == world.integration.target_id
    assert (unhealthy["connection"]["health"], unhealthy["connection"]["error_code"]) == ("unhealthy", "auth_expired")
    assert [data["run"]["id"] for data in sent("run.failed")] == [run.pk for run in runs]

    mark_health(world.integration.target, True, "OK")  # reconnected ...
    mark_health(world.integration.target, False, "Refused again.", "auth_expired")  # ... and lost again

    assert len(sent("connection.unhealthy")) == 2


def test_a_record_a_run_fails_is_one_event_and_its_next_failed_attempt_none(world, subscribed):
    world.ship(world.order(("SOCK", 1, "99")))  # no SOCK article in Fortnox: the record fails

    first = run_flow(world.flow)
    run_flow(world.flow, full=True)  # the same record fails again: the same open failure

    [failed] = sent("record.failed")
    assert first.failed == 1
    assert (failed["record"]["error_code"], failed["integration"]) == ("unknown_sku", "shop")


def test_each_event_is_queued_once_and_sent_once_though_the_sweep_finds_it_too(world, subscribed, monkeypatch):
    tasks = []  # what went to the broker (the ORM's or Redis), read the same way on both
    monkeypatch.setattr(queue, "async_task", lambda func, *args, **kwargs: tasks.append((func, args)) or "t")
    faults.set_faults("centra", rate_5xx=1.0)
    run_flow(world.flow)
    [delivery] = PartnerWebhookDelivery.objects.filter(event="run.failed")
    queued = [args for func, args in tasks if args == (delivery.pk,)]

    with responses.RequestsMock() as mock:
        mock.post(HOOK, status=204)
        outcomes = [partner_webhooks.deliver(delivery.pk, session=requests.Session()),  # the queued task
                    partner_webhooks.deliver(delivery.pk, session=requests.Session())]  # the minute sweep
        calls = len(mock.calls)

    assert len(queued) == 1
    assert outcomes == ["delivered", "nothing to deliver"]
    assert calls == 1
