"""A sweep reads its first few records alone, so a run starts pushing before a whole page is in."""

import threading
import time

import pytest

from integrations import queue
from integrations.connectors.centra.client import CentraClient
from integrations.flows.centra_changes import LEAD_PAGE_SIZE
from integrations.flows.orders import OrdersFlow
from integrations.flows.runner import run_flow
from integrations.models import Flow

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shipment_reads(monkeypatch):
    """(limit, started, ended) of every page of shipments the engine reads; whole pages take 0.5 s."""
    reads: list[tuple[int, float, float]] = []
    real = CentraClient.graphql

    def spy(self, query, variables=None, *, mutation=False):
        started = time.monotonic()
        if query.split("(")[0].split()[-1] == "Shipments" and (variables or {}).get("limit", 0) > LEAD_PAGE_SIZE:
            time.sleep(0.5)
        answer = real(self, query, variables, mutation=mutation)
        if query.split("(")[0].split()[-1] == "Shipments":
            reads.append((variables["limit"], started, time.monotonic()))
        return answer

    monkeypatch.setattr(CentraClient, "graphql", spy)
    return reads


def test_the_first_shipments_are_pushed_while_the_rest_of_the_page_is_read(world, shipment_reads, monkeypatch,
                                                                           settings):
    settings.FLOW_PUSH_CONCURRENCY = 4
    shipments = [world.ship(world.order(("COAT", 1, "1500"), email=f"b{n}@example.com"))
                 for n in range(LEAD_PAGE_SIZE + 3)]
    pushed: list[float] = []
    lock = threading.Lock()
    process = OrdersFlow.process

    def watched(self, record):
        with lock:
            pushed.append(time.monotonic())
        return process(self, record)

    monkeypatch.setattr(OrdersFlow, "process", watched)

    run = run_flow(world.flow)

    assert (run.created, run.failed) == (len(shipments), 0)
    assert [limit for limit, _, _ in shipment_reads][:2] == [LEAD_PAGE_SIZE, world.flow.batch_size]
    whole_page_ended = shipment_reads[1][2]
    assert min(pushed) < whole_page_ended  # the lead's shipments did not wait for the whole page
    assert len(pushed) == len(shipments)  # the lead's shipments, read again with page 1, pushed once
    assert len(world.invoices()) == len(shipments)


def test_a_window_smaller_than_the_lead_is_read_once(world, shipment_reads):
    world.ship(world.order(("COAT", 1, "1500")))

    assert run_flow(world.flow).created == 1

    assert [limit for limit, _, _ in shipment_reads] == [LEAD_PAGE_SIZE]


def test_runs_that_hand_over_at_every_chance_still_get_through_the_window(world, shipment_reads):
    """Another flow always waiting: each run hands over as soon as it may, yet each moves on."""
    Flow.objects.filter(pk=world.flow.pk).update(batch_size=LEAD_PAGE_SIZE + 1)
    shipments = [world.ship(world.order(("COAT", 1, "1500"), email=f"b{n}@example.com"))
                 for n in range(2 * LEAD_PAGE_SIZE + 5)]
    queue.mark_queued([Flow.objects.create(integration=world.integration, kind=Flow.Kind.CUSTOMERS).pk])

    runs = []
    while len(runs) < 5 and (not runs or runs[-1].handed_over):
        world.flow.refresh_from_db()
        runs.append(run_flow(world.flow))

    # Not after the lead (it moves no cursor), but after each page; nor before the sweep's empty end.
    assert [(run.handed_over, run.created) for run in runs] == [
        (True, LEAD_PAGE_SIZE + 1), (True, LEAD_PAGE_SIZE + 1), (False, 3)]
    assert len(world.invoices()) == len(shipments)
