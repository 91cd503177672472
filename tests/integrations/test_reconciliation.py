"""The daily report lists every shipment or return without a matching ERP document, reads the ERP
by date a page of documents at a time, resumes where a killed task stopped, and has the flows
make the documents that are missing (the catch-up). Real HTTP against the simulators throughout;
a "missed" record is made by moving its flow's cursor past it, as a lost change would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from integrations import queue, tasks
from integrations.connections import erp_for
from integrations.connectors.centra.client import CentraClient
from integrations.connectors.fortnox import summaries
from integrations.connectors.fortnox.client import FortnoxClient
from integrations.domain.documents import DocumentSummary
from integrations.flows.centra_changes import OVERLAP
from integrations.flows.runner import run_flow
from integrations.models import Alert, Flow, Integration, ReconciliationReport, WebhookEvent
from integrations.reconciliation import (
    FOR_ACCOUNTANT,
    LEASE,
    QUEUED,
    daily,
    document_dates,
    reconcile,
    within_rounding,
)
from integrations.reconciliation.matching import Documents, Rules, check_return, check_shipment
from integrations.webhooks import request_records
from mappings.services import bookkeeping_for
from sandbox.centra import services as centra
from sandbox.fortnox import invoice_actions
from sandbox.fortnox import invoices as fortnox_invoices
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerKilled(BaseException):
    """What a worker process killed mid-task amounts to: nothing after it runs, no handler sees it."""


# --- helpers -----------------------------------------------------------------------------------


def today():
    return timezone.localdate()


def enable_refunds(world, trigger="return_completed") -> Flow:
    flow, _ = Flow.objects.update_or_create(integration=world.integration, kind=Flow.Kind.REFUNDS,
                                            defaults={"enabled": True, "options": {"trigger": trigger}})
    return flow


def miss_everything_so_far(flow: Flow) -> Flow:
    """Move the flow's cursor past every change made until now: a run from here never sees them,
    as when a webhook was lost and the sweep's window had already moved on."""
    since = (timezone.now() + OVERLAP + timedelta(minutes=1)).isoformat(timespec="seconds")
    Flow.objects.filter(pk=flow.pk).update(cursor={"since": since})
    return Flow.objects.get(pk=flow.pk)


def shipped(world, *lines, **kwargs):
    shipment = world.ship(world.order(*lines, **kwargs))
    centra.complete_shipment(shipment)
    return shipment


def returned(shipment, sku: str, quantity: int = 1):
    line = shipment.lines.get(order_line__size__variant__product__product_number=sku)
    ret = centra.create_return(shipment, {line: quantity})
    centra.complete_return(ret)
    return ret


def documents_with(world, reference: str) -> list[dict]:
    return [i for i in world.invoices() if i["ExternalInvoiceReference1"] == reference]


QUEUE: list[dict] = []  # what was queued in this test, in order (whatever the broker: ORM or Redis)


@pytest.fixture(autouse=True)
def a_queue_of_our_own(monkeypatch):
    """Tasks are queued here instead of the broker, so the tests see them on SQLite and on Redis alike."""
    QUEUE.clear()

    def queued(func, *args, **kwargs):
        QUEUE.append({"func": func, "args": args, "kwargs": {k: v for k, v in kwargs.items()
                                                             if k not in ("task_name", "group")}})
        return str(len(QUEUE))

    monkeypatch.setattr(queue, "async_task", queued)
    yield
    QUEUE.clear()


def queued_tasks() -> list[tuple[str, tuple]]:
    return [(task["func"], tuple(task["args"])) for task in QUEUE]


def work_off_queue(limit: int = 20) -> list[str]:
    """Run the queued tasks oldest first, as a worker takes them from the broker."""
    results = []
    for _ in range(limit):
        if not QUEUE:
            return results
        task = QUEUE.pop(0)
        results.append(import_string(task["func"])(*task["args"], **task["kwargs"]))
    raise AssertionError(f"the queue did not drain in {limit} tasks")


@pytest.fixture
def fortnox_requests(monkeypatch):
    """(method, path, params) of every request the engine sends to the Fortnox simulator."""
    sent = []
    real = FortnoxClient.request

    def spy(self, method, path, **kwargs):
        sent.append((method, path, dict(kwargs.get("params") or {})))
        return real(self, method, path, **kwargs)

    monkeypatch.setattr(FortnoxClient, "request", spy)
    return sent


# --- the report -------------------------------------------------------------------------------


def test_report_lists_missing_cancelled_and_differing_documents(world):
    fine = world.ship(world.order(("COAT", 1, "1500")))
    cancelled = world.ship(world.order(("SCARF", 1, "149"), email="b@example.com"))
    run_flow(world.flow)
    never_invoiced = world.ship(world.order(("SOCK", 1, "99"), email="c@example.com"))
    invoice_actions.cancel(world.tenant, next(
        i["DocumentNumber"] for i in world.invoices() if i["ExternalInvoiceReference1"].endswith(str(cancelled.pk))))
    centra.complete_shipment(fine)
    centra.create_return(fine, {fine.lines.get(): 1})  # refunded and credited: matches
    Flow.objects.create(integration=world.integration, kind=Flow.Kind.REFUNDS, enabled=True,
                        options={"trigger": "return_created"})
    run_flow(world.integration.flows.get(kind=Flow.Kind.REFUNDS))

    report = reconcile(world.integration, today())

    problems = {(d["kind"], d["source_id"]): (d["problem"], d["action"]) for d in report.differences}
    assert problems == {
        ("invoice", str(cancelled.pk)): ("document is cancelled in the ERP", FOR_ACCOUNTANT),
        ("invoice", str(never_invoiced.pk)): ("no invoice in the ERP", QUEUED),
    }
    assert (report.shipments, report.invoices_matched, report.returns, report.credits_matched) == (3, 1, 1, 1)
    assert report.queued_for_catch_up == 1
    assert Decimal(report.differences[0]["centra_total"]) > 0
    assert Alert.objects.get(kind=Alert.Kind.RECONCILIATION, resolved_at__isnull=True)


def test_reconciliation_reads_invoices_by_date_not_one_call_per_document(world, fortnox_requests, monkeypatch):
    monkeypatch.setattr(summaries, "PAGE_LIMIT", 4)  # so that six invoices take two pages
    for index in range(6):
        world.ship(world.order(("COAT", 1, "1500"), email=f"buyer{index}@example.com"))
    run_flow(world.flow)
    fortnox_requests.clear()

    report = reconcile(world.integration, today())

    assert (report.shipments, report.invoices_matched, report.differences) == (6, 6, [])
    first, last = document_dates(today())
    assert fortnox_requests == [  # two pages of invoices, one of credit invoices: no call per document
        ("GET", "3/invoices", {"fromdate": first.isoformat(), "todate": last.isoformat(), "credit": credit,
                               "sortby": "documentnumber", "sortorder": "ascending", "limit": 4, "page": page})
        for credit, page in (("false", 1), ("false", 2), ("true", 1))
    ]


def test_document_summaries_are_the_documents_dated_in_the_range_with_credits_told_apart(world):
    old_order = world.order(("SCARF", 1, "149"), created_at=timezone.now() - timedelta(days=20))
    old = world.ship(old_order, created_at=timezone.now() - timedelta(days=20))
    recent = shipped(world, ("COAT", 1, "1500"), email="b@example.com")
    run_flow(world.flow)
    ret = returned(recent, "COAT")
    run_flow(enable_refunds(world))

    found = list(erp_for(world.integration.target).document_summaries(today() - timedelta(days=1), today()))

    assert {(s.external_reference, s.is_credit, s.total, s.currency, s.cancelled) for s in found} == {
        (f"centra-shipment-{recent.pk}", False, Decimal("1500.00"), "SEK", False),
        (f"centra-return-{ret.pk}", True, Decimal("-1500.00"), "SEK", False),
    }
    assert documents_with(world, f"centra-shipment-{old.pk}")  # it exists, dated 20 days ago: not listed


def test_invoice_dated_after_the_range_is_found_through_its_link(world, fortnox_requests):
    """Shipped three weeks after it was created, under the "shipped" trigger: dated then."""
    Flow.objects.filter(pk=world.flow.pk).update(trigger=Flow.Trigger.SHIPMENT_SHIPPED)
    created = timezone.now() - timedelta(days=21)
    shipment = world.ship(world.order(("COAT", 1, "1500"), created_at=created), created_at=created)
    centra.complete_shipment(shipment)
    run_flow(world.flow)
    fortnox_requests.clear()
    day = timezone.localtime(created).date()
    dated = documents_with(world, f"centra-shipment-{shipment.pk}")[0]["InvoiceDate"]
    assert dated == today().isoformat()
    assert dated > document_dates(day)[1].isoformat()

    report = reconcile(world.integration, day)

    assert (report.shipments, report.invoices_matched, report.differences) == (1, 1, [])
    single = [path for _, path, _ in fortnox_requests if path != "3/invoices"]
    assert len(single) == 1  # the one linked document outside the range, on its own


def test_whole_krona_tenant_totals_within_rounding_are_not_differences(world):
    world.tenant.rounding = "whole"
    world.tenant.save(update_fields=["rounding"])
    bookkeeping = bookkeeping_for(world.integration)
    bookkeeping.rounding_decimals = 0
    bookkeeping.save()
    shipment = world.ship(world.order(("SCARF", 1, "149.50")))
    run_flow(world.flow)
    assert Decimal(str(documents_with(world, f"centra-shipment-{shipment.pk}")[0]["Total"])) == Decimal("150")

    report = reconcile(world.integration, today())

    assert (report.shipments, report.invoices_matched, report.differences) == (1, 1, [])
    assert within_rounding(Decimal("149.50"), Decimal("150"), 0)
    assert not within_rounding(Decimal("149.50"), Decimal("150"), 2)
    assert not within_rounding(Decimal("148.40"), Decimal("150"), 0)


def test_unreadable_centra_records_are_reported_not_a_crash():
    invoice = DocumentSummary("7", "centra-shipment-5", today(), Decimal("100.00"), "SEK", False, False)
    documents = Documents([invoice], lookup=lambda number: None)

    nameless = check_shipment({"grandTotal": {"value": 100}}, None, documents, Rules())
    no_total = check_shipment({"id": 5, "grandTotal": {"value": "lots"}}, None, documents, Rules())
    not_an_object = check_return({"malformed": "'oops'"}, None, documents, Rules())

    assert nameless.difference["problem"].startswith("Centra sent a record we cannot read")
    assert (no_total.difference["problem"], no_total.difference["erp_document"]) == (
        "Centra's total is missing or unreadable", "7")
    assert not_an_object.difference["action"] == FOR_ACCOUNTANT


def test_shipment_not_shipped_under_the_shipped_trigger_is_waiting_not_missing(world):
    Flow.objects.filter(pk=world.flow.pk).update(trigger=Flow.Trigger.SHIPMENT_SHIPPED)
    world.ship(world.order(("COAT", 1, "1500")))
    run_flow(world.flow)

    report = reconcile(world.integration, today())

    assert (report.shipments, report.waiting, report.differences, report.queued_for_catch_up) == (1, 1, [], 0)


# --- tasks, claims and resuming ---------------------------------------------------------------


def test_each_live_integration_is_reconciled_by_its_own_task(world):
    source, target = world.integration.source, world.integration.target
    second = factories.integration(source, target, slug="shop-outlet")
    paused = factories.integration(source, target, slug="shop-paused")
    Integration.objects.filter(pk=paused.pk).update(status=Integration.Status.PAUSED)
    yesterday = (today() - timedelta(days=1)).isoformat()

    tasks.reconcile_yesterday()

    assert queued_tasks() == [("integrations.tasks.reconcile_day_task", (world.integration.pk, yesterday, False)),
                              ("integrations.tasks.reconcile_day_task", (second.pk, yesterday, False))]
    results = work_off_queue()
    assert all("0 difference(s)" in result for result in results)
    reports = ReconciliationReport.objects.filter(day=yesterday)
    assert sorted(reports.values_list("integration__slug", "phase")) == [("shop", "done"), ("shop-outlet", "done")]
    schedule = Schedule.objects.get(name=queue.RECONCILIATION_SCHEDULE)
    assert schedule.func == "integrations.tasks.reconcile_yesterday"


def test_a_day_a_killed_task_left_unfinished_is_taken_up_by_the_next_night(world):
    """django-q does not retry a task that timed out (max_attempts): the nightly schedule does."""
    left = today() - timedelta(days=3)
    ReconciliationReport.objects.create(integration=world.integration, day=left, phase="returns", page=4, passes=1)
    ReconciliationReport.objects.create(integration=world.integration, day=today() - timedelta(days=2),
                                        phase="done", passes=1)

    tasks.reconcile_yesterday()

    days = [args[1] for _, args in queued_tasks()]
    assert days == [left.isoformat(), (today() - timedelta(days=1)).isoformat()]


def test_a_finished_day_is_not_redone_unless_asked(world):
    world.ship(world.order(("SOCK", 1, "99")))  # an unknown SKU: never invoiced
    first = tasks.reconcile_day_task(world.integration.pk, today().isoformat())
    work_off_queue()

    again = tasks.reconcile_day_task(world.integration.pk, today().isoformat())
    report = ReconciliationReport.objects.get()

    assert "1 difference(s)" in first
    assert "runs queued: orders" in first
    assert "runs queued: none" in again
    assert report.passes == 1
    tasks.reconcile_day_task(world.integration.pk, today().isoformat(), True)
    assert ReconciliationReport.objects.get().passes == 2


def test_a_killed_reconciliation_resumes_where_it_stopped(world, monkeypatch):
    monkeypatch.setattr(daily, "PAGE_SIZE", 2)
    for n in range(4):
        world.ship(world.order(("COAT", 1, "1500"), email=f"b{n}@example.com"))
    run_flow(world.flow)
    missed = world.ship(world.order(("SCARF", 1, "149"), email="late@example.com"))  # on page 3
    pages, real = [], CentraClient.shipments_page

    def page_then_die(self, where, *, page, limit):
        pages.append(page)
        if page == 2 and pages.count(2) == 1:
            raise WorkerKilled
        return real(self, where, page=page, limit=limit)

    monkeypatch.setattr(CentraClient, "shipments_page", page_then_die)
    with pytest.raises(WorkerKilled):
        tasks.reconcile_day_task(world.integration.pk, today().isoformat())
    stopped = ReconciliationReport.objects.get()
    assert (stopped.phase, stopped.page, stopped.shipments, stopped.invoices_matched) == ("shipments", 2, 2, 2)

    busy = tasks.reconcile_day_task(world.integration.pk, today().isoformat())  # its lease still holds
    assert "being reconciled by another task" in busy
    assert pages == [1, 2]

    # The broker redelivers the task after `retry` > `timeout` + lease: the dead task's lease has run out.
    ReconciliationReport.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    tasks.reconcile_day_task(world.integration.pk, today().isoformat())

    report = ReconciliationReport.objects.get()
    assert pages == [1, 2, 2, 3]  # page 1 was not read again
    assert (report.phase, report.shipments, report.invoices_matched, report.passes) == ("done", 5, 4, 1)
    assert [d["source_id"] for d in report.differences] == [str(missed.pk)]  # reported once


def test_task_retry_outlasts_its_timeout_by_more_than_the_reconciliation_lease():
    """Else a task redelivered after its first delivery was killed finds the day still claimed."""
    assert settings.Q_CLUSTER["retry"] - settings.Q_CLUSTER["timeout"] > LEASE.total_seconds()


# --- the catch-up -----------------------------------------------------------------------------


def test_shipment_missed_by_the_sweep_is_invoiced_by_the_catch_up_exactly_once(world):
    invoiced = world.ship(world.order(("COAT", 1, "1500")))
    run_flow(world.flow)
    missed = world.ship(world.order(("SCARF", 1, "149"), email="b@example.com"))
    miss_everything_so_far(world.flow)
    run_flow(world.flow)
    assert not documents_with(world, f"centra-shipment-{missed.pk}")

    result = tasks.reconcile_day_task(world.integration.pk, today().isoformat())

    report = ReconciliationReport.objects.get()
    assert [(d["source_id"], d["problem"], d["action"]) for d in report.differences] == [
        (str(missed.pk), "no invoice in the ERP", QUEUED)]
    assert queued_tasks() == [("integrations.tasks.run_flow_task", (world.flow.pk, "schedule"))]
    assert "runs queued: orders" in result
    work_off_queue()
    assert len(documents_with(world, f"centra-shipment-{missed.pk}")) == 1
    assert len(documents_with(world, f"centra-shipment-{invoiced.pk}")) == 1
    assert not WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).exists()

    # Asked again once it is invoiced (a request from another pass): skipped through its link.
    request_records(world.flow, [str(missed.pk)], requested_by="reconciliation:late")
    run = run_flow(world.flow)
    assert (run.created, run.failed) == (0, 0)
    assert run.skipped >= 1
    assert len(documents_with(world, f"centra-shipment-{missed.pk}")) == 1
    assert reconcile(world.integration, today(), again=True).differences == []


def test_shipment_invoiced_while_its_catch_up_waits_is_not_invoiced_again(world):
    missed = world.ship(world.order(("SCARF", 1, "149")))
    miss_everything_so_far(world.flow)
    tasks.reconcile_day_task(world.integration.pk, today().isoformat())

    run_flow(world.flow, full=True)  # a full sweep gets there first
    work_off_queue()  # then the queued catch-up run

    assert len(documents_with(world, f"centra-shipment-{missed.pk}")) == 1


def test_return_missed_is_credited_by_the_catch_up(world):
    shipment = shipped(world, ("COAT", 1, "1500"), ("SCARF", 1, "149"))
    run_flow(world.flow)
    refunds = enable_refunds(world)
    ret = returned(shipment, "SCARF")
    run_flow(miss_everything_so_far(refunds))
    assert not documents_with(world, f"centra-return-{ret.pk}")

    result = tasks.reconcile_day_task(world.integration.pk, today().isoformat())

    report = ReconciliationReport.objects.get()
    assert [(d["kind"], d["source_id"], d["action"]) for d in report.differences] == [
        ("credit_invoice", str(ret.pk), QUEUED)]
    assert "runs queued: refunds" in result
    work_off_queue()
    credits = documents_with(world, f"centra-return-{ret.pk}")
    assert len(credits) == 1
    assert credits[0]["Credit"] == "true"
    assert Decimal(str(credits[0]["Total"])) == Decimal("-149.00")
    assert reconcile(world.integration, today(), again=True).differences == []


def test_cancelled_invoice_is_reported_not_repaired(world):
    cancelled = world.ship(world.order(("SCARF", 1, "149")))
    edited = world.ship(world.order(("COAT", 1, "1500"), email="b@example.com"))
    run_flow(world.flow)
    invoice_actions.cancel(world.tenant, documents_with(world, f"centra-shipment-{cancelled.pk}")[0]["DocumentNumber"])
    number = documents_with(world, f"centra-shipment-{edited.pk}")[0]["DocumentNumber"]
    fortnox_invoices.update(world.tenant, number, {"InvoiceRows": [  # an accountant changed the price
        {"ArticleNumber": "COAT", "Description": "Coat", "DeliveredQuantity": 1, "Price": 1400, "VAT": 25}]})
    before = len(world.invoices())

    result = tasks.reconcile_day_task(world.integration.pk, today().isoformat())

    report = ReconciliationReport.objects.get()
    assert {(d["source_id"], d["problem"], d["action"]) for d in report.differences} == {
        (str(cancelled.pk), "document is cancelled in the ERP", FOR_ACCOUNTANT),
        (str(edited.pk), "totals differ", FOR_ACCOUNTANT),
    }
    assert report.queued_for_catch_up == 0
    assert "runs queued: none" in result
    assert queued_tasks() == []
    assert len(world.invoices()) == before
