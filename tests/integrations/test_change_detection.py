"""Change is detected on what is invoiced: shipments and returns by their own change time.

With the events queue off and no webhook, whatever happens to a shipment or a return between two
runs is found by the next run, however old its order is; and a run does not re-read every open
order. History is made realistic by backdating: the order (and the return) were created hours
before the runs, so only a change-time sweep can see what happened to them in between.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.connectors.centra.client import CentraClient
from integrations.flows.runner import run_flow
from integrations.models import Flow
from sandbox.centra import services as centra
from sandbox.centra.models import Order, Return, Shipment

pytestmark = pytest.mark.django_db(transaction=True)

HOURS_AGO = timedelta(hours=2)


def placed_hours_ago(world, *lines, **kwargs):
    return world.order(*lines, created_at=timezone.now() - HOURS_AGO, **kwargs)


def enable(world, kind, **options) -> Flow:
    flow, _ = Flow.objects.update_or_create(integration=world.integration, kind=kind,
                                            defaults={"enabled": True, "options": options})
    return flow


def invoice_refs(world) -> list[str]:
    return sorted(invoice["ExternalInvoiceReference1"] for invoice in world.invoices())


@pytest.fixture
def queried_roots(monkeypatch):
    """The root fields of every GraphQL query the engine sends to Centra, in order."""
    roots: list[str] = []
    real = CentraClient.graphql

    def spy(self, query, variables=None, *, mutation=False):
        body = query[query.index("{") + 1:].lstrip()
        roots.append(body.split("(")[0].split("{")[0].strip())
        return real(self, query, variables, mutation=mutation)

    monkeypatch.setattr(CentraClient, "graphql", spy)
    return roots


def test_shipment_created_and_completed_between_two_runs_gives_exactly_one_invoice(world):
    order = placed_hours_ago(world, ("COAT", 1, "1500"))
    first = run_flow(world.flow)

    shipment = world.ship(order)
    centra.complete_shipment(shipment)  # the order is no longer open: it is completed
    second = run_flow(world.flow)
    third = run_flow(world.flow)

    assert Order.objects.get(pk=order.pk).status == "SHIPPED"
    assert (first.created, second.created, third.created) == (0, 1, 0)
    assert invoice_refs(world) == [f"centra-shipment-{shipment.pk}"]


def test_shipped_trigger_invoices_a_shipment_completed_between_runs_once(world):
    Flow.objects.filter(pk=world.flow.pk).update(trigger=Flow.Trigger.SHIPMENT_SHIPPED)
    order = placed_hours_ago(world, ("COAT", 1, "1500"), ("SCARF", 1, "149"))
    shipment = world.ship(order, {"COAT": 1})

    before_shipping = run_flow(world.flow)
    centra.complete_shipment(shipment)
    shipped = run_flow(world.flow)
    again = run_flow(world.flow)

    assert (before_shipping.created, shipped.created, again.created) == (0, 1, 0)
    assert invoice_refs(world) == [f"centra-shipment-{shipment.pk}"]


def test_second_batch_of_an_old_order_is_invoiced_when_it_ships(world):
    order = placed_hours_ago(world, ("COAT", 1, "1500"), ("SCARF", 1, "149"))
    first = world.ship(order, {"COAT": 1})
    run_flow(world.flow)

    second = world.ship(order, {"SCARF": 1})
    centra.complete_shipment(second)
    run = run_flow(world.flow)

    assert run.created == 1
    assert invoice_refs(world) == sorted([f"centra-shipment-{first.pk}", f"centra-shipment-{second.pk}"])


def test_return_completed_between_runs_gives_exactly_one_credit_invoice(world):
    refunds = enable(world, Flow.Kind.REFUNDS)
    shipment = world.ship(placed_hours_ago(world, ("COAT", 1, "1500")))
    centra.complete_shipment(shipment)
    run_flow(world.flow)
    ret = centra.create_return(shipment, {shipment.lines.get(): 1})
    Return.objects.filter(pk=ret.pk).update(created_at=timezone.now() - HOURS_AGO,
                                            updated_at=timezone.now() - HOURS_AGO)

    pending = run_flow(refunds)
    centra.complete_return(ret)
    completed = run_flow(refunds)
    again = run_flow(refunds)

    assert (pending.created, completed.created, again.created) == (0, 1, 0)
    credits = [i for i in world.invoices() if i["ExternalInvoiceReference1"] == f"centra-return-{ret.pk}"]
    assert len(credits) == 1


def test_a_run_with_nothing_changed_reads_no_orders(world, queried_roots):
    for index in range(3):  # open orders nobody ships yet: a run has no reason to read them
        placed_hours_ago(world, ("SCARF", 1, "149"), email=f"waiting{index}@example.com")
    run_flow(world.flow)
    queried_roots.clear()

    run = run_flow(world.flow)

    assert run.status == "succeeded"
    assert "orders" not in queried_roots
    assert queried_roots == ["shipments", "shipments"]  # the overlap's ids, then what changed since


def test_a_run_reads_only_shipments_changed_since_the_previous_run(world):
    old = world.ship(placed_hours_ago(world, ("COAT", 1, "1500")))
    run_flow(world.flow)
    # The first shipment's last change is now well before the previous run (beyond the overlap).
    Shipment.objects.filter(pk=old.pk).update(updated_at=timezone.now() - HOURS_AGO)
    new = world.ship(placed_hours_ago(world, ("SCARF", 1, "149"), email="other@example.com"))
    Flow.objects.filter(pk=world.flow.pk).update(
        cursor={"since": (timezone.now() - timedelta(minutes=1)).isoformat(timespec="seconds")})

    run = run_flow(world.flow)

    assert (run.created, run.skipped) == (1, 0)  # the old shipment was not even read again
    assert invoice_refs(world) == sorted([f"centra-shipment-{old.pk}", f"centra-shipment-{new.pk}"])
