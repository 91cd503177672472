"""Fortnox's limits fail one record with a clear code; the events queue drives runs where enabled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.flows.runner import run_flow
from integrations.links import _claim
from integrations.models import RecordLink, SyncRecord, SyncRun
from integrations.services.markets import market_flags
from sandbox.centra import services as centra

pytestmark = pytest.mark.django_db(transaction=True)


def failure_of(run, shipment):
    return SyncRecord.objects.get(run=run, source_id=str(shipment.pk))


def test_invoice_over_500_rows_fails_with_too_many_rows(world):
    for index in range(501):
        centra.create_product(world.store, f"B{index}", f"Button {index}")
    lines = [(f"B{index}", 1, "1") for index in range(501)]
    big = world.ship(world.order(*lines))
    small = world.ship(world.order(("COAT", 1, "1500"), email="small@example.com"))

    run = run_flow(world.flow)

    assert failure_of(run, big).error_code == "too_many_rows"
    assert "501 rows" in failure_of(run, big).message
    assert failure_of(run, small).status == "created"


def test_currency_fortnox_lacks_fails_with_unsupported_currency(world):
    shipment = world.ship(world.order(("COAT", 1, "150000"), currency="GBP", country="GB"))

    run = run_flow(world.flow)

    record = failure_of(run, shipment)
    assert record.error_code == "unsupported_currency"
    assert "GBP" in record.message
    assert world.customers() == []  # nothing half-pushed


def test_events_queue_brings_changes_after_a_backfill_sweep(world):
    source = world.integration.source
    source.settings = {**source.settings, "events": True}
    source.save()
    first = world.ship(world.order(("COAT", 1, "1500")))
    backfill = run_flow(world.flow)  # subscribes, then sweeps what existed before

    old = world.order(("SCARF", 1, "149"), email="old@example.com", created_at=timezone.now() - timedelta(days=300))
    late = world.ship(old)  # far outside any sweep window: only the events queue tells us
    from_events = run_flow(world.flow)
    again = run_flow(world.flow)

    assert backfill.created == 1
    assert world.flow.cursor["listening"]
    assert world.flow.cursor["backfilled"]
    assert from_events.created == 1
    assert again.created == 0  # the events were confirmed
    assert {i["ExternalInvoiceReference1"] for i in world.invoices()} == {
        f"centra-shipment-{first.pk}", f"centra-shipment-{late.pk}"}


def test_two_workers_cannot_both_claim_one_record(world):
    first = SyncRun.objects.create(flow=world.flow, trigger="schedule")
    link = RecordLink.objects.create(integration=world.integration, object_type="invoice", source_id="1")
    seen_by_a = RecordLink.objects.select_related("claimed_by").get(pk=link.pk)
    seen_by_b = RecordLink.objects.select_related("claimed_by").get(pk=link.pk)
    SyncRun.objects.filter(pk=first.pk).update(status="succeeded")
    second = SyncRun.objects.create(flow=world.flow, trigger="webhook")

    assert _claim(seen_by_a, first) is True
    assert _claim(seen_by_b, second) is False  # B read the link before A's claim: its swap fails
    assert RecordLink.objects.get(pk=link.pk).claimed_by_id == first.pk


def test_settings_screen_flags_test_and_inactive_markets():
    assert market_flags({"name": "Test market", "assignedToCountries": [{"code": "SE"}]}) == ["test market"]
    assert market_flags({"name": "Old", "assignedToCountries": []}) == ["inactive: no countries"]
    assert market_flags({"name": "Sweden", "assignedToCountries": [{"code": "SE"}]}) == []
