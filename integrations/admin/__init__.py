"""The staff console. Thin: display and a few actions that call services."""

import json

from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..alerts import resolve
from ..connections import check_connection
from ..crypto import mask
from ..domain.errors import describe
from ..domain.registry import OAUTH2
from ..forms import ConnectionForm, credential_names
from ..models import (
    Alert,
    Connection,
    Flow,
    Integration,
    Membership,
    Organization,
    Partner,
    ReconciliationReport,
    RecordLink,
    SyncRecord,
    SyncRun,
    WebhookEvent,
)
from ..preview import preview
from ..queue import enqueue_flow
from ..retries import retry
from ..webhooks import regenerate_token, webhook_url
from .mappings import BookkeepingInline, FieldMappingInline, OssAccountInline, ValueMapEntryInline


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "partner", "contact_email", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ["name", "kind", "organization", "health_badge", "last_checked_at"]
    list_filter = ["kind", "health"]
    search_fields = ["name", "organization__name", "base_url"]
    readonly_fields = ["stored_credentials", "health", "health_message", "last_checked_at", "reconnect_link"]
    actions = ["check_health"]

    def get_fieldsets(self, request, obj=None):
        """The credential boxes of every registered system (the registry is filled when apps are ready)."""
        return [
            (None, {"fields": ["organization", "name", "kind", "base_url", "auth_url", "settings"]}),
            ("Credentials (write-only)", {"fields": ["stored_credentials", *credential_names()]}),
            ("Health", {"fields": ["health", "health_message", "last_checked_at", "reconnect_link"]}),
        ]

    @admin.display(description="Access")
    def reconnect_link(self, connection):
        """An OAuth2 system's access comes back only through the shop's consent (authorization code)."""
        if not connection.pk or connection.system.auth != OAUTH2:
            return "-"
        url = reverse("integrations:reconnect", args=[connection.pk])
        return format_html('<a class="button" href="{}">Reconnect {}</a>', url, connection.system.label)

    @admin.display(description="Stored credentials")
    def stored_credentials(self, connection):
        stored = connection.credentials or {}
        if not stored:
            return "none"
        return ", ".join(f"{key}: {mask(str(value))}" for key, value in sorted(stored.items()) if key != "expires_at")

    @admin.display(description="Health", ordering="health")
    def health_badge(self, connection):
        colour = {"healthy": "green", "unhealthy": "#ba2121"}.get(connection.health, "grey")
        return format_html('<b style="color:{}">{}</b>', colour, connection.get_health_display())

    @admin.action(description="Check the selected connections now")
    def check_health(self, request, queryset):
        for connection in queryset:
            healthy, message = check_connection(connection)
            self.message_user(request, f"{connection}: {message}", messages.SUCCESS if healthy else messages.ERROR)


class FlowInline(admin.TabularInline):
    model = Flow
    extra = 0
    fields = ["kind", "enabled", "trigger", "schedule_minutes", "batch_size", "options", "preview_link"]
    readonly_fields = ["preview_link"]
    show_change_link = True

    @admin.display(description="Dry run")
    def preview_link(self, flow):
        if not flow.pk:
            return "-"
        url = reverse("admin:integrations_flow_preview", args=[flow.pk])
        return format_html('<a href="{}">Preview a record</a>', url)


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "enabled", "trigger", "schedule_minutes"]
    list_filter = ["kind", "enabled"]
    readonly_fields = ["cursor"]
    SOURCE_LABELS = {"orders": "Centra shipment id", "refunds": "Centra return id", "customers": "Centra customer id"}

    def get_urls(self):
        preview_url = path("<int:flow_id>/preview/", self.admin_site.admin_view(self.preview_view),
                           name="integrations_flow_preview")
        return [preview_url, *super().get_urls()]

    def preview_view(self, request, flow_id):
        flow = get_object_or_404(Flow.objects.select_related("integration__source", "integration__target"),
                                 pk=flow_id)
        source_id = request.GET.get("source_id", "")
        result = preview(flow, source_id) if source_id else {}
        context = {
            **self.admin_site.each_context(request), "flow": flow, "source_id": source_id, "result": result,
            "source_label": self.SOURCE_LABELS.get(flow.kind, "Source id"),
            "documents_json": json.dumps(result.get("documents"), indent=2, ensure_ascii=False, default=str),
            "title": f"Preview {flow}",
        }
        return TemplateResponse(request, "admin/integrations/flow/preview.html", context)


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "organization", "source", "target", "status"]
    list_filter = ["status"]
    search_fields = ["name", "slug", "organization__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FlowInline, BookkeepingInline, OssAccountInline, FieldMappingInline, ValueMapEntryInline]
    actions = ["run_enabled_flows_now", "regenerate_webhook_url"]
    readonly_fields = ["webhook_address"]

    @admin.display(description="Centra webhook URL")
    def webhook_address(self, integration):
        """Where Centra's Webhook plugin posts; the token in it is a secret (regenerate it if it leaks)."""
        if not integration.pk:
            return "Shown once the integration is saved."
        return format_html("<code>{}</code>", webhook_url(integration))

    @admin.action(description="Regenerate the webhook URL (the old URL stops working at once)")
    def regenerate_webhook_url(self, request, queryset):
        for integration in queryset:
            url = regenerate_token(integration, user=request.user)
            self.message_user(request, f"{integration}: new webhook URL {url} — set it in Centra's Webhook plugin.",
                              messages.WARNING)

    @admin.action(description="Run the enabled flows now (in the background)")
    def run_enabled_flows_now(self, request, queryset):
        flows = Flow.objects.filter(integration__in=queryset, enabled=True)
        for flow in flows:
            enqueue_flow(flow)
        self.message_user(request, f"Queued {len(flows)} flow run(s); the worker picks them up shortly.")


class SyncRecordInline(admin.TabularInline):
    model = SyncRecord
    fields = ["object_type", "source_id", "source_ref", "status", "target_id", "error_code", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["id", "flow", "trigger", "status", "started_at", "finished_at",
                    "created", "updated", "skipped", "failed"]
    list_filter = ["status", "trigger", "flow__kind", "flow__integration"]
    search_fields = ["flow__integration__slug", "error_code"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    inlines = [SyncRecordInline]
    actions = ["retry_failed_records"]

    @admin.action(description="Retry the failed records of the selected runs")
    def retry_failed_records(self, request, queryset):
        count = retry(SyncRecord.objects.filter(run__in=queryset), user=request.user)
        self.message_user(request, f"Queued {count} failed record(s) for retry.")

    def has_add_permission(self, request):
        return False


@admin.register(SyncRecord)
class SyncRecordAdmin(admin.ModelAdmin):
    list_display = ["source_id", "source_ref", "object_type", "status", "target_id", "error_code",
                    "attempts", "next_retry_at", "dead", "superseded", "created_at"]
    list_filter = ["status", "object_type", "error_code", "dead", "superseded", "integration"]
    actions = ["retry_selected"]
    search_fields = ["source_id", "source_ref", "error_code", "target_id"]
    readonly_fields = [f.name for f in SyncRecord._meta.fields] + ["advice"]
    list_select_related = ["run"]

    @admin.action(description="Retry the selected failed records (filter by error code to retry all of one kind)")
    def retry_selected(self, request, queryset):
        count = retry(queryset, user=request.user)
        self.message_user(request, f"Queued {count} failed record(s) for retry; records that are not open "
                                   "failures were left alone.")

    @admin.display(description="What to do")
    def advice(self, record):
        if not record.error_code:
            return "-"
        entry = describe(record.error_code)
        retry = "retried automatically" if entry.retryable else "retried after you fix it"
        return f"{entry.title}. {entry.advice} ({retry})"

    def has_add_permission(self, request):
        return False


@admin.register(RecordLink)
class RecordLinkAdmin(admin.ModelAdmin):
    list_display = ["object_type", "source_id", "target_id", "integration", "claimed_by", "updated_at"]
    list_filter = ["object_type", "integration"]
    search_fields = ["source_id", "target_id"]
    readonly_fields = [f.name for f in RecordLink._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["integration", "object_type", "object_id", "action", "status", "signature_valid", "received_at"]
    list_filter = ["status", "object_type", "signature_valid"]
    search_fields = ["object_id", "event_id"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "occurrences", "opened_at", "last_seen_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "kind"]
    search_fields = ["title", "message", "subject"]
    readonly_fields = [f.name for f in Alert._meta.fields]
    actions = ["resolve_selected"]

    @admin.action(description="Resolve the selected alerts")
    def resolve_selected(self, request, queryset):
        count = sum(resolve(alert.subject, user=request.user) for alert in queryset.filter(resolved_at__isnull=True))
        self.message_user(request, f"Resolved {count} alert(s).")

    def has_add_permission(self, request):
        return False


@admin.register(ReconciliationReport)
class ReconciliationReportAdmin(admin.ModelAdmin):
    list_display = ["integration", "day", "phase", "shipments", "invoices_matched", "returns", "credits_matched",
                    "waiting", "difference_count", "queued_for_catch_up"]
    list_filter = ["phase", "integration"]
    date_hierarchy = "day"
    readonly_fields = [f.name for f in ReconciliationReport._meta.fields]

    @admin.display(description="Differences")
    def difference_count(self, report):
        return len(report.differences)

    def has_add_permission(self, request):
        return False


@admin.register(LogEntry)
class AuditTrailAdmin(admin.ModelAdmin):
    """Who changed a mapping, a setting, a credential, paused a flow or retried records, and when."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "change_message"]
    list_filter = ["action_flag", "content_type", "user"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
