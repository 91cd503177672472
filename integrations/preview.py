"""Dry run: the exact documents a flow would send for one source record, without sending them,
with the saved mappings or with someone's unsaved edit of them (applied in memory, never saved)."""

from mappings.centra import (
    MappingContext,
    credit_invoice_from_return,
    customer_from_fields,
    customer_source_id,
    invoice_from_shipment,
)
from mappings.services import MappingSet, invoice_booking

from .connections import centra_client, erp_for
from .connectors.centra import CentraEvents
from .domain.errors import SyncError, describe
from .links import get_link
from .models import Flow

UNKNOWN_CUSTOMER = "(matched or created when pushed)"


def preview(flow: Flow, source_id: str, mappings: MappingSet | None = None) -> dict:
    """{"documents": {...}} as the ERP would receive them, or {"error": ..., "advice": ...};
    `mappings` in place of the saved field mappings and value maps."""
    integration = flow.integration
    source = centra_client(integration.source)
    erp = erp_for(integration.target)
    mapping = MappingContext.load(integration, flow.kind, mappings)
    try:
        documents = _documents(flow, source, erp, mapping, str(source_id).strip())
    except SyncError as exc:
        entry = describe(exc.code)
        return {"error": exc.code, "message": exc.message, "advice": entry.advice}
    return {"documents": documents}


def preview_unsaved(flow: Flow, source_id: str, field_mappings, value_map_entries) -> dict:
    """The preview with mapping rows as edited on the page, not as saved: the rows (model instances
    that may be unsaved) are applied in memory; nothing is written. "changes" lists each document
    field whose value the edit changes (path, saved value, edited value), so a reader sees the
    edit's effect without comparing two documents by eye."""
    rows = [row for row in field_mappings if row.flow_kind == flow.kind]
    edited = preview(flow, source_id, MappingSet.of(flow.integration, rows, value_map_entries))
    if "documents" in edited:
        saved = preview(flow, source_id)
        edited["changes"] = _differences(saved.get("documents") or {}, edited["documents"])
    return edited


def _flatten(value, path: str = "") -> dict:
    if isinstance(value, dict):
        return {key: leaf for name, item in value.items()
                for key, leaf in _flatten(item, f"{path}.{name}" if path else str(name)).items()}
    if isinstance(value, list):
        return {key: leaf for index, item in enumerate(value)
                for key, leaf in _flatten(item, f"{path}[{index}]").items()}
    return {path: value}


def _differences(saved: dict, edited: dict) -> list[tuple[str, object, object]]:
    before, after = _flatten(saved), _flatten(edited)
    paths = list(before) + [path for path in after if path not in before]
    return [(path, before.get(path), after.get(path)) for path in paths if before.get(path) != after.get(path)]


def _customer_number(flow, customer) -> str:
    link = get_link(flow.integration, "customer", customer.source_id)
    return link.target_id if link and link.is_linked else UNKNOWN_CUSTOMER


def _documents(flow, source, erp, mapping, source_id: str) -> dict:
    if flow.kind == Flow.Kind.ORDERS:
        if not source_id.isdigit():
            raise SyncError("invalid_source_data", "Give a Centra shipment id (a number).")
        order_ids = CentraEvents(source).order_ids_of_shipments([int(source_id)])
        for order in source.orders_by_id(order_ids):
            for shipment in order.get("shipments") or []:
                if str(shipment.get("id")) == source_id:
                    invoice = invoice_from_shipment(order, shipment, mapping)
                    return {**erp.render_customer(invoice.customer),
                            **erp.render_invoice(invoice, _customer_number(flow, invoice.customer))}
        raise SyncError("not_found", f"Centra has no shipment {source_id}.")
    if flow.kind == Flow.Kind.REFUNDS:
        returns = source.returns_by_id([source_id]) if source_id.isdigit() else []
        if not returns:
            raise SyncError("not_found", f"Centra has no return {source_id}.")
        shipment_id = str(returns[0]["shipment"]["id"])
        link = get_link(flow.integration, "invoice", shipment_id)
        original = link.target_id if link and link.is_linked else f"(invoice of shipment {shipment_id})"
        credit = credit_invoice_from_return(returns[0], mapping, original, invoice_booking(link))
        return {**erp.render_customer(credit.customer),
                **erp.render_invoice(credit, _customer_number(flow, credit.customer))}
    if flow.kind == Flow.Kind.CUSTOMERS:
        customers = source.customers_by_id([source_id]) if source_id.isdigit() else []
        if not customers:
            raise SyncError("not_found", f"Centra has no customer {source_id}.")
        record = customers[0]
        customer = customer_from_fields(mapping.mappings.apply(record).get("Customer", {}),
                                        source_id=customer_source_id(record, record.get("email") or ""),
                                        what=f"Customer {source_id}", is_company=None)
        return erp.render_customer(customer)
    raise SyncError("flow_misconfigured", f"The {flow.kind} flow has no preview.")
