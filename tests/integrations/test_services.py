"""What people ask of a flow, through the services the console, the owners' area and the API share."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from integrations.flows.runner import run_flow
from integrations.models import Flow, Integration, SyncRecord
from integrations.services import failures, golive, runs
from mappings.models import FieldMapping
from sandbox.centra.models import Shipment

pytestmark = pytest.mark.django_db(transaction=True)
LONG_AGO = timedelta(days=90)


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("ops", "ops@example.com", "x" * 16, is_staff=True)


def hidden_from_the_sweep(*shipments):
    """Shipments whose last change lies before any sweep window: only asking for them finds them."""
    Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(updated_at=timezone.now() - LONG_AGO)


def refs(world) -> list[str]:
    return sorted(i["ExternalInvoiceReference1"] for i in world.invoices())


def test_export_one_order_invoices_each_of_its_shipments_once(world, staff):
    order = world.order(("COAT", 1, "1500"), ("SCARF", 1, "149"), created_at=timezone.now() - LONG_AGO)
    first, second = world.ship(order, {"COAT": 1}), world.ship(order, {"SCARF": 1})
    hidden_from_the_sweep(first, second)
    run_flow(world.flow)
    assert world.invoices() == []

    plan = runs.export_one(world.integration, str(order.number), user=staff)
    run_flow(world.flow)
    again = runs.export_one(world.integration, str(order.number), user=staff)
    rerun = run_flow(world.flow)

    assert plan.records == {Flow.Kind.ORDERS: sorted([str(first.pk), str(second.pk)], key=int)}
    assert again.count == 2
    assert rerun.created == 0  # asked twice: the links keep it exactly once
    assert refs(world) == sorted([f"centra-shipment-{first.pk}", f"centra-shipment-{second.pk}"])


def test_export_one_shipment_by_its_number_syncs_only_that_shipment(world):
    order = world.order(("COAT", 1, "1500"), ("SCARF", 1, "149"))
    first, second = world.ship(order, {"COAT": 1}), world.ship(order, {"SCARF": 1})
    hidden_from_the_sweep(first, second)

    plan = runs.export_one(world.integration, second.number)
    run_flow(world.flow)

    assert plan.described == [f"shipment {second.number} (invoice)"]
    assert refs(world) == [f"centra-shipment-{second.pk}"]


@pytest.mark.parametrize(("reference", "says"), [
    ("99999", "Centra has no order 99999."),
    ("99999-1", "Centra has no order 99999."),
    ("R424242", "Centra has no return 424242."),
    ("next tuesday", "is not an order number"),
])
def test_export_of_something_centra_does_not_have_says_so(world, reference, says):
    with pytest.raises(runs.NothingToExport, match=says):
        runs.export_one(world.integration, reference)


def test_export_of_an_order_not_shipped_yet_says_there_is_nothing_to_invoice(world):
    order = world.order(("COAT", 1, "1500"))

    with pytest.raises(runs.NothingToExport, match="no shipment yet"):
        runs.export_one(world.integration, str(order.number))


def test_backfill_reads_again_from_its_date_and_fills_only_what_is_missing(world, staff):
    old = world.ship(world.order(("COAT", 1, "1500"), created_at=timezone.now() - LONG_AGO))
    hidden_from_the_sweep(old)
    invoiced = world.ship(world.order(("SCARF", 1, "149"), email="b@example.com"))
    run_flow(world.flow)
    assert refs(world) == [f"centra-shipment-{invoiced.pk}"]

    since = timezone.now() - LONG_AGO - timedelta(days=1)
    count = runs.backfill_count(world.flow, since)
    runs.export_many(world.flow, since, user=staff)
    run = run_flow(Flow.objects.get(pk=world.flow.pk))

    assert count == 2
    assert (run.created, run.skipped) == (1, 1)
    assert refs(world) == sorted([f"centra-shipment-{old.pk}", f"centra-shipment-{invoiced.pk}"])


def test_resolving_a_failure_closes_it_with_its_reason_and_keeps_it_in_the_log(world, staff):
    world.ship(world.order(("SOCK", 1, "99")))  # no SOCK article in Fortnox: unknown_sku
    run_flow(world.flow)
    failed = SyncRecord.objects.filter(status="failed")

    with pytest.raises(ValueError, match="Say why"):
        failures.resolve(failed, reason="  ", user=staff)
    closed = failures.resolve(failed, reason="Invoiced by hand in Fortnox", user=staff)

    assert closed == 1
    record = SyncRecord.objects.get(status="failed")
    assert (record.resolution, record.resolution_note, record.resolved_by) == (
        "resolved", "Invoiced by hand in Fortnox", staff)
    assert not SyncRecord.objects.open_failures().exists()
    assert failures.retry(SyncRecord.objects.all(), user=staff) == 0  # a closed failure is not retried


def test_go_live_refuses_with_what_to_fix(world):
    Integration.objects.filter(pk=world.integration.pk).update(status=Integration.Status.DRAFT)
    world.integration.refresh_from_db()
    FieldMapping.objects.filter(integration=world.integration).delete()
    FieldMapping.objects.create(integration=world.integration, flow_kind="orders", target="Invoice.Remarks",
                                transform="constant", argument="x")

    with pytest.raises(golive.GoLiveRefused) as refused:
        golive.go_live(world.integration)

    assert refused.value.problems == ["The orders flow needs these fields mapped: Customer.Name, Customer.Email."]
    assert Integration.objects.get(pk=world.integration.pk).status == Integration.Status.DRAFT


def test_orders_placed_before_the_exclusion_date_are_never_synced(world, staff):
    before = world.ship(world.order(("COAT", 1, "1500"), created_at=timezone.now() - timedelta(days=10)))
    after = world.ship(world.order(("SCARF", 1, "149"), email="new@example.com"))
    Integration.objects.filter(pk=world.integration.pk).update(status=Integration.Status.DRAFT)
    world.integration.refresh_from_db()

    went = golive.go_live(world.integration, sync_from=timezone.now() - timedelta(days=1),
                          backfill_from=timezone.now() - timedelta(days=30), user=staff)
    run_flow(Flow.objects.get(pk=world.flow.pk))

    assert went.flows == ["orders"]
    assert Integration.objects.get(pk=world.integration.pk).status == Integration.Status.LIVE
    assert refs(world) == [f"centra-shipment-{after.pk}"]
    assert not SyncRecord.objects.filter(source_id=str(before.pk)).exists()


def test_a_paused_flow_is_left_out_of_exports(world):
    order = world.order(("COAT", 1, "1500"))
    world.ship(order)
    runs.set_flow_enabled(world.flow, False)

    with pytest.raises(runs.NothingToExport, match="not enabled"):
        runs.export_one(world.integration, str(order.number))
