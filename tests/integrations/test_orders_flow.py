"""Shipments become invoices in Fortnox, once each, over real HTTP against the sandbox."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.utils import timezone

from integrations.flows.runner import run_flow
from integrations.models import Flow, RecordLink, SyncRecord, SyncRun
from sandbox import faults
from sandbox.centra.models import Shipment

pytestmark = pytest.mark.django_db(transaction=True)


def refs(invoices):
    return sorted(invoice["ExternalInvoiceReference1"] for invoice in invoices)


def test_order_shipped_in_two_batches_gives_two_invoices(world):
    order = world.order(("COAT", 1, "1500"), ("SCARF", 1, "149"), shipping="49")
    coat, scarf = order.lines.order_by("id")
    first = world.ship(order, {coat: 1})
    second = world.ship(order, {scarf: 1})

    run = run_flow(world.flow)

    assert (run.status, run.created, run.failed) == ("succeeded", 2, 0)
    invoices = world.invoices()
    assert refs(invoices) == [f"centra-shipment-{first.pk}", f"centra-shipment-{second.pk}"]
    assert {invoice["YourOrderNumber"] for invoice in invoices} == {str(order.number)}
    assert sorted(Decimal(str(i["Total"])) for i in invoices) == [Decimal("149"), Decimal("1549")]
    assert len(world.customers()) == 1  # the same buyer is matched, not created twice


def test_second_run_creates_nothing_new(world):
    shipments = [world.ship(world.order(("COAT", 1, "1500"))),
                 world.ship(world.order(("SCARF", 2, "149"), email="b@example.com"))]
    # Changed a minute before the first run: in the second run's overlap, not after its start.
    Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(updated_at=timezone.now() - timedelta(minutes=1))
    first = run_flow(world.flow)

    second = run_flow(world.flow)

    assert first.created == 2
    assert (second.created, second.updated, second.failed) == (0, 0, 0)
    assert second.skipped == 0  # invoiced, so passed over on their ids without being read again
    assert len(world.invoices()) == 2


def test_lost_response_after_create_does_not_duplicate_invoice(world):
    shipment = world.ship(world.order(("COAT", 1, "1500")))
    faults.set_faults("fortnox", next_lost_response=2)  # the customer and the invoice answers are lost

    run = run_flow(world.flow)

    invoices = world.invoices()
    assert refs(invoices) == [f"centra-shipment-{shipment.pk}"]
    assert len(world.customers()) == 1
    record = SyncRecord.objects.get(run=run, source_id=str(shipment.pk))
    assert record.status == "created"
    assert "found by reference" in record.message
    assert RecordLink.objects.get(object_type="invoice").target_id == invoices[0]["DocumentNumber"]


def test_invoice_total_equals_captured_amount_with_discount(world):
    order = world.order(("COAT", 1, "1350", "1500"), ("SHIRT", 2, "399"), shipping="49", voucher="150")
    shipment = world.ship(order)

    run_flow(world.flow)

    [invoice] = world.invoices()
    captured = Decimal("1350") + 2 * Decimal("399") + Decimal("49") - Decimal("150")
    assert Decimal(str(invoice["Total"])) == captured
    rows = invoice["InvoiceRows"]
    assert any(Decimal(str(row["Discount"])) == 10 for row in rows)
    assert any(Decimal(str(row["Price"])) < 0 for row in rows)  # the voucher is its own row
    assert invoice["ExternalInvoiceReference2"] == shipment.number


def test_unknown_sku_fails_one_record_and_the_batch_goes_on(world):
    good = world.ship(world.order(("COAT", 1, "1500")))
    bad = world.ship(world.order(("SOCK", 1, "99"), email="c@example.com"))
    also_good = world.ship(world.order(("SCARF", 1, "149"), email="d@example.com"))

    run = run_flow(world.flow)

    assert (run.status, run.created, run.failed) == ("partial", 2, 1)
    failed = SyncRecord.objects.get(run=run, status="failed")
    assert (failed.source_id, failed.error_code) == (str(bad.pk), "unknown_sku")
    assert "SOCK" in failed.message
    assert refs(world.invoices()) == sorted(f"centra-shipment-{s.pk}" for s in (good, also_good))


def test_failed_record_is_retried_by_the_next_run_once_fixed(world):
    from sandbox.fortnox import services as fortnox

    bad = world.ship(world.order(("SOCK", 1, "99")))
    run_flow(world.flow)
    fortnox.create_article(world.tenant, "SOCK", "Wool Socks")

    run = run_flow(world.flow)

    assert run.created == 1
    record = SyncRecord.objects.get(run=run, source_id=str(bad.pk))
    assert (record.status, record.attempts) == ("created", 2)
    assert SyncRecord.objects.get(status="failed").superseded


def test_shipped_trigger_waits_until_the_shipment_is_shipped(world):
    from sandbox.centra import services as centra

    Flow.objects.filter(pk=world.flow.pk).update(trigger=Flow.Trigger.SHIPMENT_SHIPPED)
    shipment = world.ship(world.order(("COAT", 1, "1500")))

    waiting = run_flow(world.flow)
    centra.complete_shipment(shipment)
    shipped = run_flow(world.flow)

    assert waiting.created == 0
    assert shipped.created == 1


def test_killed_run_resumes_from_its_cursor_without_duplicates(world, settings):
    Flow.objects.filter(pk=world.flow.pk).update(batch_size=2)
    for index in range(7):
        world.ship(world.order(("SCARF", 1, "149"), email=f"buyer{index}@example.com"))

    class Killed(BaseException):
        pass

    seen = []

    def die_after_three(outcome):
        seen.append(outcome)
        if len(seen) == 3:
            raise Killed

    with pytest.raises(Killed):
        run_flow(world.flow, progress=die_after_three)
    SyncRun.objects.update(heartbeat_at="2000-01-01T00:00:00Z")  # its worker is gone

    resumed = run_flow(world.flow)

    assert SyncRun.objects.filter(status="abandoned").count() == 1
    assert len(world.invoices()) == 7
    # Batch 1 was checkpointed; batch 2 was pushed and logged (records are kept per batch), and
    # batch 3 was on its way, when the worker died before batch 2's checkpoint: both are read again
    # and found invoiced, and only the seventh (batch 4) is new.
    assert resumed.created == 1
    assert resumed.skipped == 4
    assert len({invoice["ExternalInvoiceReference1"] for invoice in world.invoices()}) == 7


def test_credentials_are_encrypted_at_rest_and_redacted_in_sync_records(world):
    world.ship(world.order(("SOCK", 1, "99")))
    world.ship(world.order(("COAT", 1, "1500"), email="e@example.com"))
    run_flow(world.flow)

    source, target = world.integration.source, world.integration.target
    secrets = [source.credentials["api_token"], target.credentials["access_token"],
               target.credentials["refresh_token"], target.credentials["client_secret"]]
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection")
        stored = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT request, response FROM integrations_syncrecord")
        kept = json.dumps(cursor.fetchall())
    assert SyncRecord.objects.count() == 2
    assert "InvoiceRows" in kept or "invoices" in kept  # the exchanges are kept ...
    for secret in secrets:
        assert secret not in stored  # ... but no secret is stored in clear
        assert secret not in kept


def test_run_flow_command_prints_the_summary_line(world, capsys):
    world.ship(world.order(("COAT", 1, "1500")))
    world.ship(world.order(("SOCK", 1, "99"), email="f@example.com"))

    call_command("run_flow", "shop", "orders")

    assert capsys.readouterr().out.strip().splitlines()[-1] == "created=1 updated=0 skipped=0 failed=1"


def test_429s_from_fortnox_are_waited_out(world):
    world.ship(world.order(("COAT", 1, "1500")))
    faults.set_faults("fortnox", next_429=2)

    run = run_flow(world.flow)

    assert run.created == 1
    assert len(world.invoices()) == 1
