"""The sweep's overlap (15 minutes before the previous run began) is read on ids: what the previous
run invoiced or credited is not fetched again, what it did not handle is fetched in full."""

from datetime import datetime, timedelta

import pytest

from integrations.connectors.centra.client import CentraClient
from integrations.flows.cursors import CentraCursor
from integrations.flows.runner import run_flow
from sandbox.centra.models import Shipment

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent_queries(monkeypatch):
    """(operation name, variables) of every GraphQL query the engine sends to Centra."""
    sent: list[tuple[str, dict]] = []
    real = CentraClient.graphql

    def spy(self, query, variables=None, *, mutation=False):
        sent.append((query.split("(")[0].split()[-1], variables or {}))
        return real(self, query, variables, mutation=mutation)

    monkeypatch.setattr(CentraClient, "graphql", spy)
    return sent


def by_id_reads(sent) -> list[list[int]]:
    return [variables["where"]["id"] for name, variables in sent if name == "Shipments" and "id" in variables["where"]]


def test_what_the_previous_run_invoiced_is_read_on_ids_and_not_fetched_again(world, sent_queries):
    shipments = [world.ship(world.order(("COAT", 1, "1500"), email=f"b{n}@example.com")) for n in range(3)]
    assert run_flow(world.flow).created == 3
    sent_queries.clear()

    again = run_flow(world.flow)

    assert (again.created, again.failed) == (0, 0)
    names = [name for name, _ in sent_queries]
    assert "ShipmentIds" in names
    assert by_id_reads(sent_queries) == []  # every shipment of the overlap is invoiced: none fetched
    assert len(world.invoices()) == len(shipments)


def test_a_shipment_of_the_overlap_the_previous_run_missed_is_fetched_in_full_and_invoiced(world, sent_queries):
    world.ship(world.order(("COAT", 1, "1500"), email="first@example.com"))
    run_flow(world.flow)
    world.flow.refresh_from_db()
    since = datetime.fromisoformat(CentraCursor.load(world.flow.cursor).since)
    late = world.ship(world.order(("SCARF", 1, "149"), email="late@example.com"))
    # It became visible late: its change time is before the run that just ended began.
    Shipment.objects.filter(pk=late.pk).update(updated_at=since - timedelta(minutes=5))
    sent_queries.clear()

    second = run_flow(world.flow)

    assert second.created == 1
    assert by_id_reads(sent_queries) == [[late.pk]]
    assert f"centra-shipment-{late.pk}" in {invoice["ExternalInvoiceReference1"] for invoice in world.invoices()}
    assert run_flow(world.flow).created == 0
