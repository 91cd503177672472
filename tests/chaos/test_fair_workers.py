"""One shop's backlog does not hold the only worker: another shop's run goes after the batch in hand.

Real processes, as in production: the sandbox server, one django-q2 cluster with one worker, and
django-q2's schedule of `run_due_flows` on a one-second tick (its tick is a task on the same queue,
waiting for the same worker). Shop A has a backlog of many batches; shop B's orders flow is turned
on while A's run is under way, so the scheduler's tick queues B's run behind A's.
"""

import os
from random import Random

import pytest
from django.utils import timezone
from django_q.models import Schedule

from chaos import world as data
from chaos.check import compare
from chaos.harness import Harness, free_port
from chaos.scenario import set_faults
from integrations.flows.orders import OrdersFlow
from integrations.models import Flow, RecordLink
from integrations.queue import DUE_FLOWS_SCHEDULE
from sandbox.centra.models import Shipment
from tests.chaos.test_killed_worker import database_url, wait_for

BATCH = 3
BACKLOG_ORDERS = 36
LATENCY_MS = 150  # every Fortnox call: A's backlog takes long enough to be cut in


def invoice_links(world):
    return RecordLink.objects.filter(integration=world.integration, object_type=OrdersFlow.object_type).exclude(
        target_id="")


def tick_queued_after(moment):
    """When the scheduler had queued a `run_due_flows` tick after `moment` (as first seen)."""
    tick = Schedule.objects.get(name=DUE_FLOWS_SCHEDULE)
    return timezone.now() if tick.task and tick.next_run > moment else None


@pytest.mark.chaos
def test_another_shops_run_waits_for_the_batch_in_hand_not_for_a_backlog(transactional_db, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url(), "Q_WORKERS": "1", "FLOW_PUSH_CONCURRENCY": "2",
           "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1"}
    rng = Random(21)
    with Harness(env=env, log_dir=tmp_path, port=free_port(), rng=rng) as harness:
        busy, other = (data.build(harness.site_url, rng, access_token_ttl=3600, customers=4) for _ in range(2))
        for world in (busy, other):
            world.integration.flows.exclude(kind=Flow.Kind.ORDERS).update(enabled=False)
        busy_flow, other_flow = busy.flow(Flow.Kind.ORDERS), other.flow(Flow.Kind.ORDERS)
        Flow.objects.filter(pk=busy_flow.pk).update(schedule_minutes=5, batch_size=BATCH)
        Flow.objects.filter(pk=other_flow.pk).update(schedule_minutes=5, enabled=False)
        data.place_orders(busy, BACKLOG_ORDERS)
        data.ship_rest(busy)
        data.place_orders(other, 1)
        data.ship_rest(other)
        backlog = Shipment.objects.filter(order__store=busy.store).count()
        harness.start_server()
        set_faults(harness.site_url, "fortnox", latency_ms=LATENCY_MS)
        harness.start_worker()
        harness.start_scheduler(1)

        wait_for(harness, "the busy shop's run under way", lambda: invoice_links(busy).count() >= BATCH)
        enabled = timezone.now()
        Flow.objects.filter(pk=other_flow.pk).update(enabled=True)
        ticked = wait_for(harness, "the tick that queues it", lambda: tick_queued_after(enabled))
        invoiced = wait_for(harness, "the other shop's invoice", lambda: invoice_links(other).values_list(
            "updated_at", flat=True).first())
        busy_meanwhile = invoice_links(busy).filter(updated_at__gt=ticked, updated_at__lt=invoiced).count()
        busy_before = invoice_links(busy).filter(updated_at__lt=invoiced).count()
        wait_for(harness, "the busy shop's backlog", lambda: invoice_links(busy).count() >= backlog)

    # The batch in hand when the tick was queued, and the tail of the one before it, at most.
    assert busy_meanwhile <= 2 * BATCH, (busy_meanwhile, busy_before, backlog)
    assert busy_before < backlog - 2 * BATCH  # far from the end of the backlog
    for world in (busy, other):
        comparison = compare(world, harness.site_url)
        assert comparison.created == comparison.expected > 0
        assert (comparison.duplicates, comparison.missing, comparison.wrong_totals) == ({}, [], [])
