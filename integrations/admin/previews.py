"""Previews in the console: one real record's mapped documents, with the saved mappings (a flow's
"Preview a record") or with the mappings as edited on the integration's page and not yet saved.

Both take the numbers people see in the sync log and send nothing. The unsaved preview reads the
integration page's own form post (its mapping and value-map rows) and applies them in memory
(`preview.preview_unsaved`); saving still goes through the page's Save button.
"""

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import reverse

from mappings.models import FieldMapping, ValueMapEntry

from ..connectors.http import Redactor
from ..domain.errors import SyncError
from ..models import Flow
from ..preview import preview, preview_unsaved
from ..services import runs

PREVIEWABLE = (Flow.Kind.ORDERS, Flow.Kind.REFUNDS, Flow.Kind.CUSTOMERS)
SOURCE_LABEL = "Order number, shipment number (10001-1) or return id (R315)"
NOTHING_THERE = "Give an order number (10001), a shipment number (10001-1) or a return id (R315)."


def source_id_of(flow: Flow, reference: str) -> str:
    """A shipment or return id from what people type; ids pass through unchanged; "" when nothing matches."""
    if flow.kind not in (Flow.Kind.ORDERS, Flow.Kind.REFUNDS) or (reference.isdigit() and "-" not in reference
                                                                      and flow.kind == Flow.Kind.REFUNDS):
        return reference
    try:
        plan = runs.find_export(flow.integration, reference)
    except (runs.NothingToExport, SyncError):
        return reference if reference.isdigit() else ""
    ids = plan.records.get(flow.kind) or []
    return ids[0] if ids else ""


def _previewed(flow: Flow, reference: str, make) -> dict:
    source_id = source_id_of(flow, reference)
    if not source_id:
        return {"error": "not_found", "message": f"Nothing in Centra is called {reference}.", "advice": NOTHING_THERE}
    return make(source_id)


def _redacted(redact, path: str, value):
    """A changed value redacted by its field's name, as the documents are."""
    name = path.rsplit(".", 1)[-1].split("[", 1)[0]
    return redact({name: value})[name]


def _context(model_admin, request, flow, reference: str, result: dict, **extra) -> dict:
    redact = Redactor()
    return {
        **model_admin.admin_site.each_context(request), "flow": flow, "source_id": reference, "result": result,
        "source_label": SOURCE_LABEL, "opts": model_admin.opts,
        "documents_json": json.dumps(redact(result.get("documents")), indent=2, ensure_ascii=False, default=str),
        "changes": [(path, _redacted(redact, path, before), _redacted(redact, path, after))
                    for path, before, after in result.get("changes", [])],
        **extra,
    }


def flow_preview_view(model_admin, request, flow: Flow) -> TemplateResponse:
    """The documents a flow would send for one record with the saved mappings (nothing is sent)."""
    reference = request.GET.get("source_id", "").strip()
    result = _previewed(flow, reference, lambda source_id: preview(flow, source_id)) if reference else {}
    return TemplateResponse(request, "admin/integrations/flow/preview.html", _context(
        model_admin, request, flow, reference, result, title=f"Preview {flow}"))


def _edited_rows(model_admin, request, integration) -> tuple[list, list, list[str]]:
    """The field mapping and value-map rows as the page posted them (deleted rows left out, new rows
    in), validated by the page's own inline forms and never saved; with the errors, if any."""
    formsets, _ = model_admin._create_formsets(request, integration, change=True)
    rows: dict = {FieldMapping: [], ValueMapEntry: []}
    errors: list[str] = []
    for formset in formsets:
        if formset.model not in rows:
            continue
        if not formset.is_valid():
            errors += [str(error) for error in formset.non_form_errors()]
            errors += [f"{form.instance}: {field} — {' '.join(messages)}" if field != "__all__" else
                       f"{form.instance}: {' '.join(messages)}"
                       for form in formset.forms for field, messages in form.errors.items()]
            continue
        for form in formset.forms:
            if formset.can_delete and formset._should_delete_form(form):
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # an empty extra row
            rows[formset.model].append(form.instance)
    return rows[FieldMapping], rows[ValueMapEntry], errors


def mapping_preview_view(model_admin, request, integration) -> TemplateResponse:
    """One record's documents with the integration page's unsaved mapping edits: posted by the
    "Preview with these changes" button of the page's mapping tabs, in a tab of its own."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not model_admin.has_change_permission(request, integration):
        raise PermissionDenied
    flows = {str(flow.pk): flow for flow in integration.flows.filter(kind__in=PREVIEWABLE)}
    flow = flows.get(request.POST.get("preview_flow", ""))
    reference = request.POST.get("preview_reference", "").strip()
    field_mappings, value_maps, errors = _edited_rows(model_admin, request, integration)
    if errors:
        result = {"error": "invalid_mapping", "message": " ".join(errors),
                  "advice": "Fix these rows on the integration's page, then preview again."}
    elif flow is None or not reference:
        result = {"error": "nothing_to_preview", "message": "Choose a flow and give the number of a record.",
                  "advice": NOTHING_THERE}
    else:
        result = _previewed(flow, reference, lambda source_id: preview_unsaved(flow, source_id, field_mappings,
                                                                              value_maps))
    return TemplateResponse(request, "admin/integrations/flow/preview.html", _context(
        model_admin, request, flow, reference, result, unsaved=True, integration=integration,
        back_url=reverse("admin:integrations_integration_change", args=[integration.pk]),
        title=f"Preview of unsaved mapping changes — {integration}"))
