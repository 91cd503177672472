"""A run taken for dead stops; its in-flight pushes are not raced by the run that resumes it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.documents import PushResult
from integrations.flows.runner import run_flow
from integrations.links import ClaimedElsewhere, push_once
from integrations.models import Flow, RecordLink, SyncRecord, SyncRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_run_marked_abandoned_stops_before_its_next_record(world):
    Flow.objects.filter(pk=world.flow.pk).update(batch_size=1)
    for index in range(3):
        world.ship(world.order(("SCARF", 1, "149"), email=f"b{index}@example.com"))

    def taken_for_dead(outcome):
        SyncRun.objects.filter(status="running").update(status="abandoned")

    run = run_flow(world.flow, progress=taken_for_dead)

    assert run.status == "abandoned"  # not overwritten when the run notices
    assert len(world.invoices()) == 1
    resumed = run_flow(world.flow)
    assert resumed.created == 2
    assert len(world.invoices()) == 3


def test_claim_of_a_run_that_may_be_alive_waits_for_its_lease(world, settings):
    settings.CLAIM_LEASE_SECONDS = 600
    flow = world.flow
    old = SyncRun.objects.create(flow=flow, trigger="schedule", status=SyncRun.Status.ABANDONED)
    new = SyncRun.objects.create(flow=flow, trigger="schedule")
    RecordLink.objects.create(integration=world.integration, object_type="invoice", source_id="42",
                              claimed_by=old, claimed_at=timezone.now())
    created = []

    def push():
        return push_once(integration=world.integration, run=new, object_type="invoice", source_id="42",
                         find=lambda: None, create=lambda: created.append(1) or PushResult("9", True))

    with pytest.raises(ClaimedElsewhere) as error:
        push()
    assert error.value.code == "in_progress_elsewhere"
    assert error.value.retryable

    RecordLink.objects.update(claimed_at=timezone.now() - timedelta(seconds=601))
    assert push().created
    assert created == [1]


def test_record_claimed_elsewhere_is_a_retryable_failure(world):
    shipment = world.ship(world.order(("COAT", 1, "1500")))
    busy = SyncRun.objects.create(flow=world.flow, trigger="schedule", status=SyncRun.Status.ABANDONED)
    RecordLink.objects.create(integration=world.integration, object_type="invoice", source_id=str(shipment.pk),
                              claimed_by=busy, claimed_at=timezone.now())

    run_flow(world.flow)

    record = SyncRecord.objects.get(source_id=str(shipment.pk))
    assert (record.status, record.error_code) == ("failed", "in_progress_elsewhere")
    assert record.next_retry_at is not None
    assert world.invoices() == []
