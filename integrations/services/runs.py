"""What people ask a flow to do now: run, sync one order, backfill a date range, pause, resume.

The console, the shop owners' area and the partner API call these, so a rule lives in one place.
Every action is audited with a readable message. Work is queued (`queue.py`), never run in the web
request: the runner takes records asked for by id through the same inbox webhooks use, so an
export is exactly-once like everything else (a shipment already invoiced is skipped by its link).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import audit
from ..connections import centra_client, check_connection
from ..flows.cursors import CentraCursor
from ..models import Connection, Flow, Integration, SyncRun
from ..queue import enqueue_flow, enqueue_reconciliation
from ..webhooks import request_records

SHIPMENT_NUMBER = re.compile(r"^\s*(\d+)-(\d+)\s*$")  # Centra shipment numbers read "<order>-<n>"
RETURN_ID = re.compile(r"^\s*(?:r|return)\s*#?\s*(\d+)\s*$", re.IGNORECASE)
ORDER_NUMBER = re.compile(r"^\s*#?(\d+)\s*$")
BACKFILLABLE = (Flow.Kind.ORDERS, Flow.Kind.REFUNDS, Flow.Kind.CUSTOMERS)


class NothingToExport(ValueError):
    """The reference names nothing Centra has (or nothing an enabled flow syncs)."""


@dataclass
class ExportPlan:
    """What an export asked for: source ids per flow, and the references people know them by."""

    reference: str
    records: dict[str, list[str]] = field(default_factory=dict)  # flow kind -> source ids
    described: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(ids) for ids in self.records.values())


def run_now(flow: Flow, *, user=None) -> str:
    """Queue a run of `flow` now; returns the task id."""
    expect_progress(flow, None)
    task = enqueue_flow(flow, SyncRun.Trigger.MANUAL)
    audit.record(user, [flow], f"Queued a run of the {flow.kind} flow now.")
    return task


def find_export(integration: Integration, reference: str) -> ExportPlan:
    """What syncing `reference` means: an order number (its shipments and returns), a shipment number
    ("10001-2") or a return id ("R315"). Reads Centra; queues nothing."""
    plan = ExportPlan(reference=reference.strip())
    centra = centra_client(integration.source)
    if match := RETURN_ID.match(reference):
        returns = centra.returns_by_id([int(match.group(1))])
        if not returns:
            raise NothingToExport(f"Centra has no return {match.group(1)}.")
        plan.records[Flow.Kind.REFUNDS] = [str(returns[0]["id"])]
        plan.described.append(f"return {returns[0]['id']} (credit invoice)")
        return plan
    shipment_match = SHIPMENT_NUMBER.match(reference)
    order_match = ORDER_NUMBER.match(reference)
    if not (shipment_match or order_match):
        raise NothingToExport(f"{reference!r} is not an order number (10001), a shipment number (10001-1) "
                              "or a return id (R315).")
    number = int((shipment_match or order_match).group(1))
    order = centra.order_by_number(number)
    if order is None:
        raise NothingToExport(f"Centra has no order {number}.")
    shipments = order.get("shipments") or []
    if shipment_match:
        shipments = [s for s in shipments if str(s.get("number")) == reference.strip()]
        if not shipments:
            raise NothingToExport(f"Centra order {number} has no shipment {reference.strip()}.")
    if shipments:
        plan.records[Flow.Kind.ORDERS] = [str(s["id"]) for s in shipments]
        plan.described += [f"shipment {s.get('number')} (invoice)" for s in shipments]
    if not shipment_match and order.get("returns"):
        plan.records[Flow.Kind.REFUNDS] = [str(r["id"]) for r in order["returns"]]
        plan.described += [f"return {r['id']} (credit invoice)" for r in order["returns"]]
    if not plan.records:
        raise NothingToExport(f"Centra order {number} has no shipment yet: there is nothing to invoice.")
    return plan


@transaction.atomic
def export_one(integration: Integration, reference: str, *, user=None) -> ExportPlan:
    """Sync one order, shipment or return now, also one no run ever picked up. Flows that are not
    enabled are left out (and said so); raises NothingToExport when nothing is left to do."""
    plan = find_export(integration, reference)
    flows = {flow.kind: flow for flow in integration.flows.filter(kind__in=list(plan.records), enabled=True)}
    skipped = [kind for kind in plan.records if kind not in flows]
    for kind in skipped:
        del plan.records[kind]
        plan.described.append(f"(the {kind} flow is off: enable it to sync those)")
    if not plan.records:
        raise NothingToExport(f"{reference}: the flows it needs ({', '.join(skipped)}) are not enabled.")
    tag = f"export:{timezone.now():%Y%m%dT%H%M%S}"
    for kind, source_ids in plan.records.items():
        request_records(flows[kind], source_ids, requested_by=tag, note={"reference": plan.reference})
        transaction.on_commit(lambda flow=flows[kind]: enqueue_flow(flow, SyncRun.Trigger.MANUAL))
    audit.record(user, list(flows.values()), f"Export of {plan.reference}: {', '.join(plan.described)}.")
    return plan


def backfill_count(flow: Flow, since: datetime) -> int:
    """How many Centra records a backfill from `since` reads (what people confirm before it starts)."""
    centra = centra_client(flow.integration.source)
    where = {"updatedAt": {"from": since.isoformat(timespec="seconds")}}
    fetch = {Flow.Kind.ORDERS: centra.shipments_page, Flow.Kind.REFUNDS: centra.returns_page,
             Flow.Kind.CUSTOMERS: centra.customers_page}[flow.kind]
    return len(centra.all_pages(fetch, where))


@transaction.atomic
def expect_progress(flow: Flow, total: int | None) -> None:
    """Remember, on the flow, what the run being asked for should read (None: not known) and when it
    was asked for: the progress bar every staff user sees measures that run against it."""
    flow.progress_total, flow.progress_since = total, timezone.now()
    Flow.objects.filter(pk=flow.pk).update(progress_total=total, progress_since=flow.progress_since)


@transaction.atomic
def export_many(flow: Flow, since: datetime, *, user=None, expected: int | None = None) -> None:
    """Backfill: move the flow's cursor back to `since` and queue a run. Records already synced are
    skipped by their links, so a backfill over a synced range only fills what is missing. `expected`
    is the count people confirmed (`backfill_count`), shown as the progress bar's total."""
    if flow.kind not in BACKFILLABLE:
        raise ValueError(f"The {flow.kind} flow has no date range to go back over.")
    if since > timezone.now():
        raise ValueError("A backfill starts in the past.")
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    cursor = CentraCursor.load(flow.cursor)
    # A fresh sweep from `since`; with the events queue on, the sweep runs once more before events.
    flow.cursor = CentraCursor(since=since.isoformat(timespec="seconds"), listening=cursor.listening).dump()
    flow.save(update_fields=["cursor"])
    expect_progress(flow, expected)
    transaction.on_commit(lambda: enqueue_flow(flow, SyncRun.Trigger.MANUAL))
    audit.record(user, [flow], f"Backfill of the {flow.kind} flow from {since:%Y-%m-%d %H:%M} queued.")


def set_flow_enabled(flow: Flow, enabled: bool, *, user=None) -> None:
    """Pause or resume one flow; a resumed flow goes on from its cursor (nothing is skipped)."""
    if enabled:
        flow.enabled = True
        flow.full_clean()  # a flow with a required field unmapped cannot be resumed
    Flow.objects.filter(pk=flow.pk).update(enabled=enabled)
    flow.enabled = enabled
    audit.record(user, [flow], f"{'Resumed' if enabled else 'Paused'} the {flow.kind} flow.")


def set_integration_paused(integration: Integration, paused: bool, *, user=None) -> None:
    """Pause or resume every flow of a live integration at once (their own on/off stays as it is)."""
    if integration.status == Integration.Status.DRAFT:
        raise ValueError(f"{integration} is not live yet: go live first.")
    status = Integration.Status.PAUSED if paused else Integration.Status.LIVE
    Integration.objects.filter(pk=integration.pk).update(status=status)
    integration.status = status
    audit.record(user, [integration], f"{'Paused' if paused else 'Resumed'} the integration.")


def check_now(connection: Connection, *, user=None) -> tuple[bool, str]:
    healthy, message = check_connection(connection)
    audit.record(user, [connection], f"Checked the connection now: {'healthy' if healthy else message}.")
    return healthy, message


def reconcile_now(integration: Integration, day, *, user=None) -> str:
    """Queue reconciliation of one day (again, even if it was done)."""
    if day > timezone.localdate():
        raise ValueError("Reconciliation looks at a day that has happened.")
    task = enqueue_reconciliation(integration, day, again=True)
    audit.record(user, [integration], f"Queued reconciliation of {day}.")
    return task
