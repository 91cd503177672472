"""Failed records come back: by hand, in bulk, and automatically with backoff until parked as dead."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_q.brokers import get_broker

from integrations.flows.runner import open_failures, run_flow
from integrations.models import SyncRecord
from integrations.retries import MAX_ATTEMPTS, after_failure, retry
from sandbox import faults
from sandbox.fortnox import services as fortnox

pytestmark = pytest.mark.django_db(transaction=True)


def make_due():
    SyncRecord.objects.filter(status="failed").update(next_retry_at=timezone.now() - timedelta(seconds=1))


def test_retryable_errors_back_off_and_end_parked_as_dead():
    now = timezone.now()
    first = after_failure("upstream_unavailable", 1, now)
    later = after_failure("upstream_unavailable", 3, now)
    assert first["next_retry_at"] - now < later["next_retry_at"] - now
    assert after_failure("upstream_unavailable", MAX_ATTEMPTS, now) == {"next_retry_at": None, "dead": True}
    assert after_failure("unknown_sku", 1, now) == {"next_retry_at": None, "dead": False}  # needs a person


def test_outage_is_retried_automatically_when_its_backoff_is_due(world):
    shipment = world.ship(world.order(("COAT", 1, "1500")))
    faults.set_faults("fortnox", rate_5xx=1.0)
    failed = run_flow(world.flow)
    faults.clear_faults()
    record = SyncRecord.objects.get(source_id=str(shipment.pk))

    not_due = open_failures(world.flow)
    make_due()
    due = open_failures(world.flow)
    retried = run_flow(world.flow)

    assert (failed.failed, record.error_code) == (1, "upstream_unavailable")
    assert timezone.now() < record.next_retry_at < timezone.now() + timedelta(minutes=2)
    assert not_due == []
    assert due == [(str(shipment.pk), record.source_parent)]
    assert retried.created == 1
    assert len(world.invoices()) == 1


def test_one_open_error_per_record_however_often_it_fails(world):
    shipment = world.ship(world.order(("SOCK", 1, "99")))
    for _ in range(3):
        run_flow(world.flow)
        retry(SyncRecord.objects.all())

    records = SyncRecord.objects.filter(source_id=str(shipment.pk))
    assert records.count() == 3
    [open_error] = records.filter(superseded=False)
    assert (open_error.error_code, open_error.attempts) == ("unknown_sku", 3)


def test_retry_in_bulk_by_error_code_uses_the_latest_settings(world):
    bad = [world.ship(world.order(("SOCK", 1, "99"), email=f"b{i}@example.com")) for i in range(3)]
    run_flow(world.flow)
    fortnox.create_article(world.tenant, "SOCK", "Wool Socks")  # the fix
    staff = get_user_model().objects.create_user("staff", is_staff=True)

    queued = retry(SyncRecord.objects.filter(error_code="unknown_sku"), user=staff)
    run = run_flow(world.flow)

    assert queued == 3
    assert get_broker().queue_size() >= 1  # a retry run was queued for the worker
    assert run.created == 3
    assert {i["ExternalInvoiceReference1"] for i in world.invoices()} == {f"centra-shipment-{s.pk}" for s in bad}
    assert LogEntry.objects.filter(user=staff, change_message__startswith="Retried 3").exists()


def test_dead_records_are_not_retried_automatically(world):
    world.ship(world.order(("COAT", 1, "1500")))
    faults.set_faults("fortnox", rate_5xx=1.0)
    run_flow(world.flow)
    SyncRecord.objects.update(attempts=MAX_ATTEMPTS - 1)
    make_due()
    run_flow(world.flow)

    record = SyncRecord.objects.get(superseded=False)
    assert (record.dead, record.next_retry_at, record.attempts) == (True, None, MAX_ATTEMPTS)
