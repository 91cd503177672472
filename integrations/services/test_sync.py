"""Get Started's test sync: the last few shipments and returns as the invoices they would become
(nothing sent), then, once the owner confirms, those very records synced for real (trigger
`wizard`) while the integration is still a draft.

The draft's flows never run on a schedule (`scheduling.runnable_flows` takes live integrations only);
the test asks them for exactly the confirmed records through the same inbox webhooks use, with
their cursors at "now", so nothing else is read and going live later starts where it says.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.utils import timezone

from mappings.centra import MappingContext, credit_invoice_from_return, invoice_from_shipment
from mappings.services import invoice_booking

from .. import audit
from ..connections import centra_client, erp_for
from ..domain.errors import SyncError, describe
from ..flows.cursors import CentraCursor
from ..links import get_link
from ..models import Flow, SyncRecord, SyncRun
from ..queue import enqueue_wizard_test
from ..webhooks import request_records
from .runs import ExportPlan, NothingToExport, find_export

LOOK_BACK_DAYS = 60
HOW_MANY = 3
TEST_FLOWS = (Flow.Kind.ORDERS, Flow.Kind.REFUNDS)
DOCUMENT_TYPES = ("invoice", "credit_invoice")


@dataclass
class Candidate:
    """One Centra record beside the document it would become (or why it would fail)."""

    flow_kind: str
    source_id: str
    reference: str  # shipment number or "R<id>"
    centra_total: Decimal | None
    currency: str
    rows: list = field(default_factory=list)  # domain InvoiceRow
    total: Decimal | None = None
    document: dict | None = None  # exactly as the ERP would receive it
    error: str = ""
    message: str = ""
    advice: str = ""
    already: str = ""  # the ERP document it already has

    @property
    def discounted(self) -> bool:
        """Whether a row carries a discount: then its sum is not quantity × price, and the preview
        shows the discount column that explains it."""
        return any(row.discount_percent for row in self.rows)


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value["value"])).quantize(Decimal("0.01"))
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return None


def _recent(centra, fetch, how_many: int) -> list[dict]:
    since = {"updatedAt": {"from": (timezone.now() - timedelta(days=LOOK_BACK_DAYS)).isoformat(timespec="seconds")}}
    return sorted(centra.all_pages(fetch, since), key=lambda r: int(r["id"]))[-how_many:]


def offered(integration, how_many: int = HOW_MANY) -> dict[str, set[str]]:
    """The ids `candidates` shows, by flow kind (read from Centra, nothing mapped): what a test may sync."""
    centra = centra_client(integration.source)
    return {Flow.Kind.ORDERS: {str(s["id"]) for s in _recent(centra, centra.shipments_page, how_many)},
            Flow.Kind.REFUNDS: {str(r["id"]) for r in _recent(centra, centra.returns_page, how_many)}}


def candidates(integration, how_many: int = HOW_MANY) -> list[Candidate]:
    """The last `how_many` shipments and returns of the last 60 days, each mapped (nothing sent)."""
    centra = centra_client(integration.source)
    erp = erp_for(integration.target)
    found = []
    shipments = _recent(centra, centra.shipments_page, how_many)
    if shipments:
        mapping = MappingContext.load(integration, Flow.Kind.ORDERS)
        orders = {str(o["id"]): o for o in centra.orders_by_id(sorted({str(s["order"]["id"]) for s in shipments}))}
        for light in shipments:
            order = orders.get(str(light["order"]["id"])) or {}
            shipment = next((s for s in order.get("shipments") or [] if str(s.get("id")) == str(light["id"])), None)
            total = light.get("grandTotal") if isinstance(light.get("grandTotal"), dict) else {}
            candidate = Candidate(Flow.Kind.ORDERS, str(light["id"]), str(light.get("number") or light["id"]),
                                  _money(total), (total.get("currency") or {}).get("code", ""))
            found.append(_fill(candidate, integration, erp, partial(_invoice, order, shipment, mapping)))
    returns = _recent(centra, centra.returns_page, how_many)
    if returns:
        mapping = MappingContext.load(integration, Flow.Kind.REFUNDS)
        invoiced_here = {c.source_id for c in found if not c.error}
        for ret in returns:
            candidate = Candidate(Flow.Kind.REFUNDS, str(ret["id"]), f"R{ret['id']}", None, "")
            found.append(_fill(candidate, integration, erp, partial(_credit, integration, ret, mapping, invoiced_here)))
    return found


def _credit(integration, ret, mapping, invoiced_here: set[str]):
    """The credit invoice a return would become. It credits an invoice of this integration: one
    already made, or one this test makes; otherwise the refunds flow would refuse it, so the preview
    says so instead of showing a credit that would not be created."""
    shipment = ret.get("shipment") or {}
    shipment_id = str(shipment.get("id") or "")
    link = get_link(integration, "invoice", shipment_id)
    if link and link.is_linked:
        original = link.target_id
    elif shipment_id in invoiced_here:
        original = f"(the invoice of shipment {shipment.get('number') or shipment_id})"
    else:
        raise SyncError("original_invoice_missing",
                        f"Return R{ret['id']} credits shipment {shipment.get('number') or shipment_id}, which "
                        "was shipped before this test and has no invoice from this integration: its credit "
                        "invoice is made once that shipment is invoiced (a backfill from its date at go-live).")
    return credit_invoice_from_return(ret, mapping, original, invoice_booking(link))


def _invoice(order, shipment, mapping):
    if shipment is None:
        raise SyncError("invalid_source_data", "Centra's shipment came without its order.")
    return invoice_from_shipment(order, shipment, mapping)


def _fill(candidate: Candidate, integration, erp, build) -> Candidate:
    object_type = "invoice" if candidate.flow_kind == Flow.Kind.ORDERS else "credit_invoice"
    link = get_link(integration, object_type, candidate.source_id)
    if link and link.is_linked:
        candidate.already = link.target_id
    try:
        invoice = build()
        customer_link = get_link(integration, "customer", invoice.customer.source_id)
        number = customer_link.target_id if customer_link and customer_link.is_linked else "(matched or created)"
        candidate.document = {**erp.render_customer(invoice.customer), **erp.render_invoice(invoice, number)}
    except SyncError as exc:
        candidate.error, candidate.message, candidate.advice = exc.code, exc.message, describe(exc.code).advice
        return candidate
    candidate.rows, candidate.total = invoice.rows, invoice.total
    candidate.currency = candidate.currency or invoice.currency
    return candidate


@transaction.atomic
def start(integration, records: dict[str, list[str]], *, user=None) -> dict:
    """Sync the confirmed records for real: {flow kind: [source ids]}; returns what was asked,
    with the moment it started (what progress is measured from). Only flows the owner turned on run:
    a test never turns on a flow the owner turned off."""
    flows = {f.kind: f for f in integration.flows.filter(kind__in=[k for k in records if records[k]])}
    if not flows:
        raise ValueError("Choose at least one shipment or return to sync.")
    off = [flow for flow in flows.values() if not flow.enabled]
    if off:
        raise ValueError(f"The {', '.join(str(f.get_kind_display()) for f in off)} flow is off: turn it on at "
                         "the Flows step to test it, or untick its records.")
    now = timezone.now()
    for kind, flow in flows.items():
        flow.cursor = CentraCursor(since=now.isoformat(timespec="seconds")).dump()
        flow.save(update_fields=["cursor"])
        request_records(flow, records[kind], requested_by=f"wizard:{now:%Y%m%dT%H%M%S}")
    ordered = [flows[k] for k in TEST_FLOWS if k in flows]
    transaction.on_commit(lambda: enqueue_wizard_test(ordered))
    audit.record(user, ordered, "Test sync from Get Started: " + "; ".join(
        f"{kind} {', '.join(ids)}" for kind, ids in records.items() if ids) + ".")
    return {"started": now.isoformat(), "count": sum(len(records[k]) for k in flows), "kinds": list(flows)}


def start_reference(integration, reference: str, *, user=None) -> ExportPlan:
    """The partner API's test sync: the shipments and returns an order, shipment or return number
    names (found as export one finds them), synced for real like the wizard's chosen records.
    Raises runs.NothingToExport when the number names nothing to sync."""
    plan = find_export(integration, reference)
    enabled = set(integration.flows.filter(enabled=True).values_list("kind", flat=True))
    for kind in [kind for kind in plan.records if kind not in enabled or kind not in TEST_FLOWS]:
        del plan.records[kind]
        plan.described.append(f"(the {kind} flow is off: enable it to sync those)")
    if not plan.records:
        raise NothingToExport(f"{reference}: the flows it needs are not enabled.")
    start(integration, plan.records, user=user)
    return plan


@dataclass
class TestProgress:
    expected: int
    done: int
    running: bool
    runs: list
    records: list

    @property
    def percent(self) -> int:
        if not self.expected:
            return 100
        return min(100, round(100 * self.done / self.expected))

    @property
    def finished(self) -> bool:
        return not self.running and self.done >= self.expected

    @property
    def failed(self) -> list:
        return [r for r in self.records if r.status == SyncRecord.Status.FAILED]

    @property
    def run_errors(self) -> list:
        return [r for r in self.runs if r.status == SyncRun.Status.FAILED]


def progress(integration, started, expected: int, kinds: list[str]) -> TestProgress:
    """The wizard-triggered runs since `started` and their invoice records (two queries). The test
    is over once every flow asked has run, or a run stopped before any record (e.g. refused access)."""
    runs = list(SyncRun.objects.filter(flow__integration=integration, trigger=SyncRun.Trigger.WIZARD,
                                       started_at__gte=started).select_related("flow").order_by("started_at"))
    records = list(SyncRecord.objects.filter(run__in=runs, object_type__in=DOCUMENT_TYPES).order_by("pk"))
    running = any(r.status == SyncRun.Status.RUNNING for r in runs) or len({r.flow.kind for r in runs}) < len(kinds)
    done = len({(r.object_type, r.source_id) for r in records})
    # Every flow asked has run (a record asked for that Centra does not have leaves no record), or a
    # run stopped before its records: nothing more will come.
    if not running or any(r.status == SyncRun.Status.FAILED for r in runs):
        done = expected
    return TestProgress(expected, min(done, expected), running and done < expected, runs, records)

