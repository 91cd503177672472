"""The verdict: the ERP company (Fortnox or Business Central) checked document by document against
the Centra store.

Every Centra shipment of the store must have exactly one invoice carrying the reference
`centra-shipment-<id>` (Fortnox `ExternalInvoiceReference1`, BC `externalDocumentNumber`), in the
order's currency, whose total is what
Centra captured for the shipment. This reads the simulators' own tables, not the engine's links:
the engine could be wrong about what it created, the target system cannot.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from integrations.models import SyncRecord, SyncRun, WebhookEvent
from sandbox.centra.models import PaymentHistoryEntry, Shipment
from sandbox.models import FaultProfile

from .world import World

REFERENCE = "centra-shipment-{}"
CLIENT_RETRY_LINE = re.compile(r"retrying in [0-9.]+ s \(attempt \d+\)")  # integrations.connectors.http
SHOWN_PROBLEMS = 10


@dataclass
class Comparison:
    expected: int = 0
    created: int = 0  # every invoice in the tenant
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # reference -> document numbers
    missing: list[str] = field(default_factory=list)  # references with no invoice
    wrong_totals: list[str] = field(default_factory=list)  # one line per wrong invoice
    unexpected: list[str] = field(default_factory=list)  # invoices that belong to no shipment

    @property
    def extra_documents(self) -> int:
        return sum(len(numbers) - 1 for numbers in self.duplicates.values())

    @property
    def passed(self) -> bool:
        return not (self.duplicates or self.missing or self.wrong_totals or self.unexpected)


def captured_totals(world: World) -> dict[str, tuple[Decimal, str]]:
    """reference -> (captured amount, currency) for every shipment of the store."""
    shipments = Shipment.objects.filter(order__store=world.store).select_related("order")
    captured = dict(
        PaymentHistoryEntry.objects.filter(
            shipment__order__store=world.store, entry_type=PaymentHistoryEntry.EntryType.CAPTURE,
            status=PaymentHistoryEntry.Status.SUCCESS,
        ).values_list("shipment_id", "value")
    )
    return {REFERENCE.format(s.pk): (captured.get(s.pk), s.order.currency) for s in shipments}


def compare(world: World, site_url: str) -> Comparison:
    expected = captured_totals(world)
    invoices = world.erp.invoices(site_url)
    by_reference: dict[str, list] = defaultdict(list)
    result = Comparison(expected=len(expected), created=len(invoices))
    for invoice in invoices:
        if invoice.reference not in expected:
            result.unexpected.append(f"invoice {invoice.number} has reference {invoice.reference!r}")
            continue
        by_reference[invoice.reference].append(invoice)
    for reference, (amount, currency) in expected.items():
        found = by_reference.get(reference, [])
        if not found:
            result.missing.append(reference)
            continue
        if len(found) > 1:
            result.duplicates[reference] = [invoice.number for invoice in found]
        for invoice in found:
            if amount is None or invoice.total != amount or invoice.currency != currency:
                result.wrong_totals.append(
                    f"invoice {invoice.number} ({reference}): {invoice.total} {invoice.currency}, "
                    f"captured {amount} {currency}"
                )
    return result


def why_missing(world: World, references: list[str]) -> list[str]:
    """The engine's own last word on each missing shipment, to start the investigation from."""
    lines = []
    for reference in references[:SHOWN_PROBLEMS]:
        shipment_id = reference.rsplit("-", 1)[-1]
        record = SyncRecord.objects.filter(
            integration=world.integration, object_type="invoice", source_id=shipment_id
        ).order_by("-created_at").first()
        said = (f"last record {record.status} {record.error_code} {record.message[:160]!r}"
                if record else "never attempted")
        lines.append(f"  missing {reference}: {said}")
    return lines


def takeovers(world: World) -> list[float]:
    """For each abandoned run, the seconds from its last heartbeat to the start of the run that took
    over its flow (none started in between: one running run per flow)."""
    runs = list(SyncRun.objects.filter(flow__integration=world.integration).order_by("started_at"))
    waits = []
    for dead in (run for run in runs if run.status == SyncRun.Status.ABANDONED):
        successor = next((run for run in runs if run.flow_id == dead.flow_id and run.started_at > dead.heartbeat_at),
                         None)
        if successor is not None:
            waits.append((successor.started_at - dead.heartbeat_at).total_seconds())
    return waits


def client_retries(logs: list[Path]) -> int:
    """HTTP retries the engine's client made (429, 5xx, timeouts), counted from the workers' logs."""
    return sum(len(CLIENT_RETRY_LINE.findall(path.read_text(errors="replace"))) for path in logs if path.exists())


@dataclass
class Report:
    comparison: Comparison
    world: World
    kills: int
    kills_mid_run: int
    token_expiries: int
    webhooks: str
    client_retries: int
    wall_seconds: float
    problems: list[str] = field(default_factory=list)
    stale_seconds: int = 0
    tick_seconds: int = 0

    def lines(self) -> list[str]:
        c, world = self.comparison, self.world
        failed = SyncRecord.objects.filter(integration=world.integration, status=SyncRecord.Status.FAILED)
        codes = Counter(failed.values_list("error_code", flat=True))
        all_runs = SyncRun.objects.filter(flow__integration=world.integration)
        runs = Counter(all_runs.values_list("status", flat=True))
        run_errors = Counter(all_runs.exclude(error_code="").values_list("error_code", flat=True))
        triggers = Counter(all_runs.values_list("trigger", flat=True))
        waits = takeovers(world)
        resumed = (f"after {min(waits):.1f}-{max(waits):.1f} s of silence" if waits else "none to resume")
        seen_429 = dict(FaultProfile.objects.values_list("system", "seen_429"))
        stored_events = WebhookEvent.objects.filter(integration=world.integration).count()
        out = [
            "",
            f"chaos run {world.slug}: figures",
            f"  records expected         {c.expected} shipments in Centra",
            f"  documents created        {c.created} invoices in {world.erp.label}",
            f"  duplicates               {len(c.duplicates)} references ({c.extra_documents} extra documents)",
            f"  missing                  {len(c.missing)}",
            f"  wrong totals             {len(c.wrong_totals)}",
            f"  unexpected documents     {len(c.unexpected)}",
            f"  record retries           {failed.count()} failed attempts retried later "
            f"({', '.join(f'{code}: {n}' for code, n in codes.most_common()) or 'none'})",
            f"  client HTTP retries      {self.client_retries}",
            f"  429s seen                centra {seen_429.get('centra', 0)}, "
            f"{world.erp.system} {seen_429.get(world.erp.system, 0)}",
            f"  worker kills (SIGKILL)   {self.kills} ({self.kills_mid_run} while a run was going)",
            f"  runs                     {', '.join(f'{status}: {n}' for status, n in sorted(runs.items()))}"
            f" (errors: {', '.join(f'{code}: {n}' for code, n in run_errors.most_common()) or 'none'})",
            f"  runs by trigger          {', '.join(f'{name}: {n}' for name, n in sorted(triggers.items()))}",
            f"  abandoned runs resumed   {len(waits)}, {resumed} (stale window {self.stale_seconds} s, "
            f"tick {self.tick_seconds} s)",
            f"  access tokens            {self.token_expiries} forced expiries, "
            f"{world.erp.tokens_issued()} tokens issued",
            f"  webhooks                 {self.webhooks}; {stored_events} events stored",
            f"  wall time                {self.wall_seconds:.1f} s",
        ]
        out += [f"  note: {problem}" for problem in self.problems]
        last = all_runs.order_by("-started_at").first()
        if last is not None and last.error_code:
            out.append(f"  last run: {last.status} {last.error_code}: {last.error_message[:300]}")
        out += [f"  duplicate {ref}: invoices {', '.join(numbers)}"
                for ref, numbers in list(c.duplicates.items())[:SHOWN_PROBLEMS]]
        out += why_missing(world, c.missing)
        out += [f"  wrong total: {line}" for line in c.wrong_totals[:SHOWN_PROBLEMS]]
        out += [f"  unexpected: {line}" for line in c.unexpected[:SHOWN_PROBLEMS]]
        out.append(f"expected={c.expected} created={c.created} duplicates={len(c.duplicates)} missing={len(c.missing)}")
        return out
