"""The daily reconciliation of one integration: Centra's money against the ERP's documents.

For one day it reads, page by page, every shipment and every return Centra created, and matches
each to the invoice or credit invoice the ERP lists for the dates such a document can carry
(one list request per 500 documents, never one per document). It reports what has no document, a
cancelled one, or a total that differs; then, as its last step, it asks the orders and refunds
flows to make the missing documents (the catch-up). A cancelled document or a differing total is
only reported: an accountant decides.

Progress is saved after every page (see `progress`), so a killed task resumes where it stopped.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from mappings.services import bookkeeping_for

from .. import webhooks
from ..alerts import open_alert, resolve
from ..connections import centra_client, erp_for
from ..domain.errors import SyncError
from ..models import Alert, Flow, Integration, ReconciliationReport, RecordLink
from .matching import QUEUED, Documents, Rules, Verdict, check_return, check_shipment, document_dates
from .progress import Phase, claim, release, save

PAGE_SIZE = 100  # Centra records per page

# Which flow makes the documents of each kind, and the report counters of each phase.
CATCH_UP_FLOWS = {"invoice": Flow.Kind.ORDERS, "credit_invoice": Flow.Kind.REFUNDS}


def requested_by(report: ReconciliationReport) -> str:
    """The name the catch-up's requests are stored under: one set per pass over the day."""
    return f"reconciliation:{report.pk}.{report.passes}"


def rules_for(integration: Integration) -> tuple[Rules, dict[str, Flow]]:
    """When the integration's flows make documents, and the enabled flows that can catch up."""
    flows = {flow.kind: flow for flow in integration.flows.filter(kind__in=CATCH_UP_FLOWS.values())}
    enabled = {kind: flow for kind, flow in flows.items() if flow.enabled}
    orders, refunds = flows.get(Flow.Kind.ORDERS), flows.get(Flow.Kind.REFUNDS)
    bookkeeping = bookkeeping_for(integration)
    rules = Rules(
        rounding_decimals=bookkeeping.rounding_decimals,
        markets=frozenset(bookkeeping.markets or []),
        invoice_when_shipped=bool(orders and orders.trigger == Flow.Trigger.SHIPMENT_SHIPPED),
        credit_when_completed=(refunds.options.get("trigger", "return_completed") if refunds else
                               "return_completed") == "return_completed",
        invoices_caught_up=Flow.Kind.ORDERS in enabled,
        credits_caught_up=Flow.Kind.REFUNDS in enabled,
    )
    return rules, enabled


def _created_on(day: date) -> dict:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return {"createdAt": {"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()}}


class DailyReconciliation:
    """One task's work on a claimed report, from the phase and page it was left at."""

    def __init__(self, report: ReconciliationReport, token: str):
        self.report = report
        self.token = token
        self.integration = report.integration
        self.centra = centra_client(self.integration.source)
        self.erp = erp_for(self.integration.target)
        self.rules, self.flows = rules_for(self.integration)
        self._documents: Documents | None = None

    @property
    def documents(self) -> Documents:
        """The ERP's documents of the day's date range, read once per task (a few list pages)."""
        if self._documents is None:
            first, last = document_dates(self.report.day)
            self._documents = Documents(list(self.erp.document_summaries(first, last)), self.erp.document_summary)
        return self._documents

    def run(self) -> None:
        if self.report.phase == Phase.SHIPMENTS:
            self.walk(self.centra.shipments_page, "invoice", check_shipment,
                      counters=("shipments", "invoices_matched"), next_phase=Phase.RETURNS)
        if self.report.phase == Phase.RETURNS:
            self.walk(self.centra.returns_page, "credit_invoice", check_return,
                      counters=("returns", "credits_matched"), next_phase=Phase.CATCH_UP)
        if self.report.phase == Phase.CATCH_UP:
            self.catch_up()

    def walk(self, fetch: Callable, kind: str, check: Callable[..., Verdict], *, counters: tuple[str, str],
             next_phase: str) -> None:
        """Every page of the phase from the saved one; each page's results saved with the next page."""
        seen_name, matched_name = counters
        where = _created_on(self.report.day)
        while True:
            page = fetch(where, page=self.report.page, limit=PAGE_SIZE)
            if not isinstance(page, list):
                raise SyncError("bad_response", f"Centra answered page {self.report.page} of the day's "
                                                f"{'shipments' if kind == 'invoice' else 'returns'} without a list.")
            records = [record if isinstance(record, dict) else {"malformed": repr(record)[:80]} for record in page]
            links = {
                link.source_id: link for link in RecordLink.objects.filter(
                    integration=self.integration, object_type=kind, source_id__in=[str(r.get("id")) for r in records]
                )
            }
            seen, matched, waiting, differences = 0, 0, 0, []
            for record in records:
                verdict = check(record, links.get(str(record.get("id"))), self.documents, self.rules)
                if verdict.out_of_scope:
                    continue
                seen += 1
                matched += verdict.matched
                waiting += verdict.waiting
                if verdict.difference:
                    differences.append(verdict.difference)
            last = len(page) < PAGE_SIZE
            save(self.report, self.token,
                 **{seen_name: getattr(self.report, seen_name) + seen,
                    matched_name: getattr(self.report, matched_name) + matched},
                 waiting=self.report.waiting + waiting, differences=self.report.differences + differences,
                 phase=next_phase if last else self.report.phase, page=1 if last else self.report.page + 1)
            if last:
                return

    def catch_up(self) -> None:
        """Ask each flow for its missing documents, through the inbox its runs already read."""
        queued = [d for d in self.report.differences if d.get("action") == QUEUED]
        asked = 0
        for kind, flow_kind in CATCH_UP_FLOWS.items():
            ids = [d["source_id"] for d in queued if d["kind"] == kind]
            if ids and flow_kind in self.flows:
                webhooks.request_records(self.flows[flow_kind], ids, requested_by=requested_by(self.report),
                                         note={"day": self.report.day.isoformat()})
                asked += len(ids)
        self.alert(asked)  # before DONE: a task killed in between alerts again, which only counts
        save(self.report, self.token, queued_for_catch_up=asked, phase=Phase.DONE, page=1,
             finished_at=timezone.now())
        release(self.report, self.token)

    def alert(self, queued: int) -> None:
        report, integration = self.report, self.integration
        subject = f"integration:{integration.pk}:reconciliation"
        if not report.differences:
            resolve(subject)
            return
        count = len(report.differences)
        open_alert(Alert.Kind.RECONCILIATION, subject, f"{integration}: reconciliation found differences",
                   f"{report.day}: {count} shipment(s)/return(s) without a matching ERP document; {queued} "
                   f"queued for catch-up by their flow, {count - queued} for an accountant to decide.",
                   integration=integration)


def reconcile(integration: Integration, day: date, *, again: bool = False) -> ReconciliationReport:
    """Reconcile `day`, resuming a report a killed task left behind; a finished report is returned
    as it is unless `again`. Raises ReconciliationBusy while another task holds the day, and a
    SyncError when a system fails (the progress so far is kept for the next attempt)."""
    report, token = claim(integration, day, again=again)
    if not token:
        return report
    try:
        DailyReconciliation(report, token).run()
    except SyncError as exc:
        release(report, token, error=f"{exc.code}: {exc.message}")
        raise
    except Exception as exc:
        release(report, token, error=f"internal_error: {type(exc).__name__}: {exc}")
        raise
    return report


def catch_up_flows(report: ReconciliationReport) -> list[Flow]:
    """The enabled flows with records this report asked for and not handled yet: the runs to queue."""
    if not report.finished or not report.queued_for_catch_up:
        return []
    flows = report.integration.flows.filter(kind__in=CATCH_UP_FLOWS.values(), enabled=True)
    return [flow for flow in flows if webhooks.requests_pending(flow, requested_by(report))]
