"""Applying an integration's field mappings and value maps; installing presets; go-live checks."""

from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from integrations.domain.errors import SyncError
from integrations.domain.registry import descriptor

from .models import Bookkeeping, FieldMapping, InvoiceBooking, PostingGroups, ValueMapEntry
from .paths import resolve
from .presets import preset, required
from .transforms import TRANSFORMS


@dataclass(frozen=True)
class Rule:
    target: str
    source_path: str
    transform: str
    argument: str


class MappingSet:
    """An integration's mappings for one flow kind, loaded once per run."""

    def __init__(self, rules: list[Rule], value_maps: dict[str, dict[str, str]], limits: dict | None = None):
        self.rules = rules
        self.value_maps = value_maps
        self.limits = limits or {}  # the target system's field lengths

    @classmethod
    def for_flow(cls, integration, flow_kind: str) -> "MappingSet":
        install_preset(integration, flow_kind)
        return cls.of(integration, FieldMapping.objects.filter(integration=integration, flow_kind=flow_kind),
                      ValueMapEntry.objects.filter(integration=integration))

    @classmethod
    def of(cls, integration, field_mappings, value_map_entries) -> "MappingSet":
        """A set from the rows given, saved or not: a preview maps with someone's unsaved edit this way,
        through the same rules a run applies."""
        rules = [Rule(m.target, m.source_path, m.transform, m.argument) for m in field_mappings]
        value_maps: dict[str, dict[str, str]] = defaultdict(dict)
        for entry in value_map_entries:
            value_maps[entry.map_name][entry.source_value] = entry.target_value
        return cls(rules, dict(value_maps), dict(descriptor(integration.target.kind).field_limits))

    def apply(self, record: dict) -> dict[str, dict]:
        """Target values grouped by document: {"Invoice": {...}, "Customer": {...}}.

        Empty results are left out, so the ERP's own defaults apply to them.
        """
        documents: dict[str, dict] = defaultdict(dict)
        for rule in self.rules:
            value = resolve(record, rule.source_path) if rule.source_path else None
            try:
                value = self._transform(rule, value, record)
            except (TypeError, ValueError) as exc:
                raise SyncError(
                    "invalid_source_data", f"Mapping {rule.target} <- {rule.source_path or rule.argument}: {exc}"
                ) from exc
            if value in (None, ""):
                continue
            document, _, field = rule.target.partition(".")
            documents[document][field] = value
        return dict(documents)

    def _transform(self, rule: Rule, value, record):
        if not rule.transform:
            return value if not isinstance(value, (dict, list)) else None
        if rule.transform == "value_map":
            return self.value_maps.get(rule.argument, {}).get(str(value)) if value is not None else None
        argument = rule.argument
        if rule.transform == "truncate" and not argument:
            argument = str(self.limits.get(rule.target, ""))
        return TRANSFORMS[rule.transform](value, argument, record)


@transaction.atomic
def install_preset(integration, flow_kind: str, *, reset: bool = False) -> int:
    """Give the integration the preset's mappings for `flow_kind` (once; `reset` restores them)."""
    existing = FieldMapping.objects.filter(integration=integration, flow_kind=flow_kind)
    if reset:
        existing.delete()
    elif existing.exists():
        return 0
    specs = preset(integration, flow_kind)
    FieldMapping.objects.bulk_create([
        FieldMapping(integration=integration, flow_kind=flow_kind, target=spec.target, source_path=spec.source_path,
                     transform=spec.transform, argument=spec.argument, position=index)
        for index, spec in enumerate(specs)
    ])
    return len(specs)


def unmapped_required(integration, flow_kind: str) -> list[str]:
    """Targets the flow cannot work without that have no mapping (what blocks going live)."""
    mapped = set(
        FieldMapping.objects.filter(integration=integration, flow_kind=flow_kind)
        .exclude(source_path="", transform__in=["", "value_map"])
        .values_list("target", flat=True)
    )
    if not FieldMapping.objects.filter(integration=integration, flow_kind=flow_kind).exists():
        mapped = {spec.target for spec in preset(integration, flow_kind)}  # the preset applies on first run
    return [target for target in required(integration, flow_kind) if target not in mapped]


def bookkeeping_for(integration) -> Bookkeeping:
    return Bookkeeping.objects.get_or_create(integration=integration)[0]


def posting_groups_of(integration) -> PostingGroups | None:
    """The integration's posting-group mapping when its ERP books by posting groups (its descriptor
    says so), created with the defaults on first use; None for an ERP that books by row accounts."""
    if not descriptor(integration.target.kind).posting_groups:
        return None
    return PostingGroups.objects.get_or_create(integration=integration)[0]


def keep_booking(link, snapshot: dict) -> None:
    """Keep an invoice's booking snapshot with its record link, for its credit invoices: one INSERT,
    or an UPDATE when an earlier attempt kept one and died before linking."""
    try:
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            InvoiceBooking.objects.create(link=link, snapshot=snapshot)
    except IntegrityError:
        InvoiceBooking.objects.filter(link=link).update(snapshot=snapshot)


def invoice_booking(link) -> dict | None:
    """The booking snapshot kept with an invoice's record link; None for an invoice linked before
    snapshots were kept (its credits are then booked from today's settings)."""
    kept = InvoiceBooking.objects.filter(link=link).first() if link is not None else None
    return kept.snapshot if kept else None
