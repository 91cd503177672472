"""Alerts and reconciliation reports as pages people act on: open/resolved tabs, resolve with a
note, links to what they concern; differences as a table, not a JSON string."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from unfold.contrib.filters.admin import RangeDateFilter, RelatedDropdownFilter

from ..models import Alert, ReconciliationReport
from ..services.alerts import resolve_alerts
from .badges import badge
from .common import HistoryAdmin, confirm


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                           help_text="What was done about it; it stays with the alert.")


class OpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request, queryset):
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        return queryset


@admin.register(Alert)
class AlertAdmin(HistoryAdmin):
    list_display = ["title_text", "kind", "concerns", "occurrences", "last_seen_at", "state"]
    list_filter = [OpenFilter, "kind", ("integration", RelatedDropdownFilter)]
    list_select_related = ["integration", "connection", "flow__integration"]
    search_fields = ["title", "message", "subject"]
    actions = ["resolve_selected"]
    list_before_template = "admin/integrations/alert/tabs.html"

    def changelist_view(self, request, extra_context=None):
        if "state" not in request.GET and not request.GET.get("q"):
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(f"{request.path}?state=open")
        return super().changelist_view(request, {**(extra_context or {}), "state": request.GET.get("state")})

    @admin.display(description="Alert")
    def title_text(self, alert):
        return format_html("<b>{}</b><div class=\"console-muted\">{}</div>", alert.title, alert.message[:200])

    @admin.display(description="Concerns")
    def concerns(self, alert):
        links = []
        failures = reverse("admin:integrations_openfailure_changelist")
        if alert.integration_id:
            links.append((reverse("admin:integrations_integration_change", args=[alert.integration_id]),
                          alert.integration.name))
            links.append((f"{failures}?integration__id__exact={alert.integration_id}", "its open failures"))
            links.append((reverse("admin:integrations_syncrun_changelist")
                          + f"?flow__integration__id__exact={alert.integration_id}", "its runs"))
        if alert.flow_id:
            links.append((reverse("admin:integrations_flow_change", args=[alert.flow_id]), f"flow {alert.flow.kind}"))
        if alert.connection_id:
            links.append((reverse("admin:integrations_connection_change", args=[alert.connection_id]),
                          alert.connection.name))
        if alert.kind == Alert.Kind.RECONCILIATION and alert.integration_id:
            links.append((reverse("admin:integrations_reconciliationreport_changelist")
                          + f"?integration__id__exact={alert.integration_id}", "reconciliation reports"))
        return format_html_join(" · ", '<a href="{}">{}</a>', links) or "-"

    @admin.display(description="State")
    def state(self, alert):
        if alert.resolved_at:
            return format_html("{}<div class=\"console-muted\">{}</div>", badge("resolved", "info"),
                               alert.resolution_note[:120])
        return badge("open", "danger")

    @admin.action(description="Resolve the selected alerts (with a note)")
    def resolve_selected(self, request, queryset):
        form = NoteForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if form.is_bound and form.is_valid():
            count = resolve_alerts(queryset, note=form.cleaned_data["note"], user=request.user)
            self.message_user(request, f"Resolved {count} alert(s) with your note; a problem that happens again "
                                       "opens a new alert.")
            return None
        count = queryset.filter(resolved_at__isnull=True).count()
        from .records import _selection_fields

        return confirm(self, request, title=f"Resolve {count} open alert(s)?", form=form,
                       lines=["They move to the Resolved tab with your note."],
                       submit=f"Resolve {count}", cancel_url=request.get_full_path(),
                       extra={"bulk": _selection_fields(request)})


@admin.register(ReconciliationReport)
class ReconciliationReportAdmin(HistoryAdmin):
    list_display = ["integration", "day", "phase", "shipments", "invoices_matched", "returns", "credits_matched",
                    "waiting", "difference_count", "queued_for_catch_up"]
    list_filter = ["phase", ("integration", RelatedDropdownFilter), ("day", RangeDateFilter)]
    list_select_related = ["integration"]
    readonly_fields = ["differences_table"]
    exclude = ["differences"]

    @admin.display(description="Differences")
    def difference_count(self, report):
        count = len(report.differences)
        return badge(count, "danger") if count else badge("none", "success")

    @admin.display(description="Differences")
    def differences_table(self, report):
        if not report.differences:
            return "None: every shipment and return of the day has its document."
        log = reverse("admin:integrations_syncrecord_changelist")
        rows = []
        for item in report.differences:
            item = item if isinstance(item, dict) else {"problem": str(item)}
            reference = str(item.get("reference") or item.get("source_id") or "")
            search = item.get("source_id") if item.get("kind") == "credit_invoice" else reference
            rows.append((f"{log}?q={search}", reference or "-", str(item.get("kind", "")).replace("_", " "),
                         f"{item.get('centra_total', '')} {item.get('currency', '')}".strip() or "-",
                         f"{item.get('erp_document', '') or '-'} {item.get('erp_total', '')}".strip(),
                         item.get("problem", ""), item.get("action", "")))
        return format_html(
            '<div class="console-scroll"><table class="console-table"><thead><tr><th>Centra record</th><th>Kind</th>'
            "<th>Centra total</th><th>ERP document</th><th>Difference</th><th>What happens</th></tr></thead>"
            "<tbody>{}</tbody></table></div>",
            format_html_join("", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                                 "<td>{}</td></tr>", rows))

    def has_change_permission(self, request, obj=None):
        return False
