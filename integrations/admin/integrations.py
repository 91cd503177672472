"""Organizations, partners, connections, integrations and flows: configuration and the actions
people take on them (run now, export one or many, pause/resume, check, reconcile), each confirmed
and carried out by `services.runs`."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.decorators import action

from ..crypto import mask
from ..domain.errors import SyncError
from ..domain.registry import OAUTH2
from ..forms import ConnectionForm, credential_names
from ..models import Connection, Flow, Integration, Membership, Organization, Partner
from ..selectors.progress import flow_progress
from ..services import runs
from ..web_input import whole_number
from ..webhooks import regenerate_token, webhook_url
from .badges import status_badge
from .common import ConsoleAdmin, TabularInline, confirm, done
from .forms import BackfillForm, DayForm, ExportOneForm, FlowForm
from .mappings import (
    BookkeepingInline,
    FieldMappingInline,
    OssAccountInline,
    PostingGroupsInline,
    ValueMapEntryInline,
)
from .previews import PREVIEWABLE, flow_preview_view, mapping_preview_view


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(ConsoleAdmin):
    list_display = ["name", "slug", "partner", "contact_email", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["partner"]
    inlines = [MembershipInline]


@admin.register(Partner)
class PartnerAdmin(ConsoleAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Connection)
class ConnectionAdmin(ConsoleAdmin):
    form = ConnectionForm
    list_display = ["name", "kind", "organization", "health_label", "last_checked_at"]
    list_filter = ["kind", "health"]
    list_select_related = ["organization"]
    search_fields = ["name", "organization__name", "base_url"]
    readonly_fields = ["stored_credentials", "health", "health_message", "last_checked_at", "reconnect_link"]
    actions_detail = ["check_now_action"]
    actions_row = ["check_now_action"]

    def get_fieldsets(self, request, obj=None):
        """The credential boxes of every registered system (the registry is filled when apps are ready)."""
        return [
            (None, {"fields": ["organization", "name", "kind", "base_url", "auth_url", "settings"]}),
            ("Credentials (write-only)", {"fields": ["stored_credentials", *credential_names()]}),
            ("Health", {"fields": ["health", "health_message", "last_checked_at", "reconnect_link"]}),
        ]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("<int:pk>/check/", view(self.check_view), name="integrations_connection_check"),
                *super().get_urls()]

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
    def health_label(self, connection):
        return status_badge(connection.health)

    @action(description="Check now", url_path="check-now")
    def check_now_action(self, request, object_id):
        return self.check_view(request, object_id)

    def check_view(self, request, pk):
        connection = get_object_or_404(Connection, pk=pk)
        back = reverse("admin:integrations_connection_change", args=[pk])
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            healthy, message = runs.check_now(connection, user=request.user)
            return done(request, f"{connection}: {'healthy' if healthy else 'not healthy'} — {message}", back,
                        messages.SUCCESS if healthy else messages.ERROR)
        return confirm(self, request, title=f"Check {connection} now?",
                       lines=[f"Calls {connection.system.label} once with the stored credentials.",
                              "An unhealthy answer pauses the flows that use it and opens an alert."],
                       submit="Check now", cancel_url=back)


class FlowInline(TabularInline):
    model = Flow
    extra = 0
    tab = True
    fields = ["kind", "enabled", "schedule_minutes", "batch_size", "flow_actions"]
    readonly_fields = ["flow_actions"]
    show_change_link = True
    verbose_name_plural = "Flows"

    @admin.display(description="Options and actions")
    def flow_actions(self, flow):
        if not flow.pk:
            return "-"
        return format_html(
            '<a href="{}">Options and trigger</a> · <a href="{}">Run now</a> · <a href="{}">Backfill</a> · '
            '<a href="{}">Preview a record</a>',
            reverse("admin:integrations_flow_change", args=[flow.pk]),
            reverse("admin:integrations_flow_run", args=[flow.pk]),
            reverse("admin:integrations_flow_backfill", args=[flow.pk]),
            reverse("admin:integrations_flow_preview", args=[flow.pk]))


@admin.register(Flow)
class FlowAdmin(ConsoleAdmin):
    form = FlowForm
    list_display = ["__str__", "kind", "enabled", "schedule_minutes"]
    list_filter = ["kind", "enabled", "integration"]
    list_select_related = ["integration"]
    readonly_fields = ["cursor"]
    actions_detail = ["run_action", "backfill_action", "pause_action", "preview_action"]

    def get_fields(self, request, obj=None):
        """The flow's own fields, then its kind's options (added by FlowForm); the cursor to read."""
        names = list(FlowForm(instance=obj or Flow()).fields)
        return names + (["cursor"] if obj else [])

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = [name for name in FlowForm.Meta.fields if obj is None or name != "trigger"
                            or obj.kind == Flow.Kind.ORDERS]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="integrations_flow_preview"),
            path("<int:pk>/run/", view(self.run_view), name="integrations_flow_run"),
            path("<int:pk>/backfill/", view(self.backfill_view), name="integrations_flow_backfill"),
            path("<int:pk>/pause/", view(self.pause_view), name="integrations_flow_pause"),
            path("<int:pk>/progress/", view(self.progress_view), name="integrations_flow_progress"),
            *super().get_urls(),
        ]

    def _flow(self, pk):
        return get_object_or_404(Flow.objects.select_related("integration__source", "integration__target"), pk=pk)

    def _back(self, flow):
        return reverse("admin:integrations_flow_change", args=[flow.pk])

    @action(description="Run now", url_path="run-now")
    def run_action(self, request, object_id):
        return self.run_view(request, object_id)

    @action(description="Backfill a date range", url_path="backfill-action")
    def backfill_action(self, request, object_id):
        return self.backfill_view(request, object_id)

    @action(description="Pause / resume", url_path="pause-action")
    def pause_action(self, request, object_id):
        return self.pause_view(request, object_id)

    @action(description="Preview a record", url_path="preview-action")
    def preview_action(self, request, object_id):
        return self.preview_view(request, object_id)

    def run_view(self, request, pk):
        flow = self._flow(pk)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            runs.run_now(flow, user=request.user)
            return done(request, f"A run of {flow} is queued; its progress shows below.",
                        reverse("admin:integrations_flow_progress", args=[flow.pk]))
        return confirm(self, request, title=f"Run {flow} now?",
                       lines=["The flow reads what changed since its cursor and pushes it, in the background.",
                              "Nothing is pushed twice: documents already in the ERP are skipped by their link."],
                       submit="Run now", cancel_url=self._back(flow))

    def backfill_view(self, request, pk):
        """Two steps: the date, then the number of records it touches, then the run with its progress."""
        flow = self._flow(pk)
        if flow.kind not in runs.BACKFILLABLE:
            return done(request, f"The {flow.kind} flow has no date range to go back over: run it now instead.",
                        self._back(flow), messages.WARNING)
        form = BackfillForm(request.POST or request.GET or None)
        if not form.is_bound or not form.is_valid():
            return confirm(self, request, title=f"Backfill {flow} from a date", form=form,
                           lines=["Pick the first day: the next step shows how many records that reads."],
                           submit="Count the records", cancel_url=self._back(flow))
        since = form.since_moment()
        if request.method == "POST" and request.POST.get("counted"):
            try:
                counted = request.POST["counted"]
                runs.export_many(flow, since, user=request.user, expected=whole_number(counted))
            except ValueError as exc:
                return done(request, str(exc), self._back(flow), messages.ERROR)
            return done(request, f"Backfill of {flow} from {since:%Y-%m-%d} queued; its progress shows below.",
                        reverse("admin:integrations_flow_progress", args=[flow.pk]))
        try:
            count = runs.backfill_count(flow, since)
        except SyncError as exc:
            return done(request, f"Could not count the records in Centra: {exc.message}", self._back(flow),
                        messages.ERROR)
        return confirm(self, request, title=f"Backfill {flow} from {since:%Y-%m-%d}?", form=BackfillForm(
                           initial={"since": form.cleaned_data["since"]}),
                       lines=[f"{count} Centra record(s) changed since then will be read again.",
                              "Those already synced are skipped by their links; only what is missing is pushed.",
                              "The flow's cursor moves back to that day; it then goes on as before."],
                       submit=f"Backfill {count} record(s)", cancel_url=self._back(flow),
                       extra={"counted": count})

    def pause_view(self, request, pk):
        flow = self._flow(pk)
        verb = "Resume" if not flow.enabled else "Pause"
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                runs.set_flow_enabled(flow, not flow.enabled, user=request.user)
            except ValidationError as exc:
                return done(request, " ".join(exc.messages), self._back(flow), messages.ERROR)
            return done(request, f"{verb}d {flow}.", self._back(flow))
        lines = (["It goes on from its cursor: nothing that happened meanwhile is skipped."] if not flow.enabled
                 else ["No run starts until it is resumed; webhooks are still stored and handled then."])
        return confirm(self, request, title=f"{verb} {flow}?", lines=lines, submit=verb, cancel_url=self._back(flow))

    def progress_view(self, request, pk):
        """The page, or (for htmx) just the bar, polled until the run finishes."""
        flow = self._flow(pk)
        progress = flow_progress(flow)
        context = {**self.admin_site.each_context(request), "flow": flow, "progress": progress,
                   "title": f"Progress of {flow}", "opts": self.opts,
                   "poll_url": reverse("admin:integrations_flow_progress", args=[flow.pk])}
        template = ("admin/integrations/flow/progress_bar.html" if request.headers.get("HX-Request")
                    else "admin/integrations/flow/progress.html")
        return TemplateResponse(request, template, context)

    def preview_view(self, request, pk):
        """The documents a flow would send for one record, by the number people see (nothing is sent)."""
        return flow_preview_view(self, request, self._flow(pk))


@admin.register(Integration)
class IntegrationAdmin(ConsoleAdmin):
    list_display = ["name", "organization", "source", "target", "status_label"]
    list_filter = ["status", "organization"]
    list_select_related = ["organization", "source", "target"]
    search_fields = ["name", "slug", "organization__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [FlowInline, BookkeepingInline, OssAccountInline, PostingGroupsInline, FieldMappingInline,
               ValueMapEntryInline]

    def get_inlines(self, request, obj):
        """Posting groups only where the ERP books by them (Business Central), not on Fortnox shops."""
        books_by_groups = obj is not None and obj.target.system.posting_groups
        return [inline for inline in self.inlines if inline is not PostingGroupsInline or books_by_groups]
    readonly_fields = ["webhook_address", "status"]
    fieldsets = [(None, {"fields": ["organization", "name", "slug", "source", "target", "status", "sync_from",
                                    "webhook_address"]})]
    actions_detail = ["export_one_action", "pause_action", "reconcile_action", "webhook_action"]
    # On the mapping tabs: preview one record with the edits on the page before saving them.
    change_form_after_template = "admin/integrations/integration/mapping_preview_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/export/", view(self.export_view), name="integrations_integration_export"),
            path("<int:pk>/pause/", view(self.pause_view), name="integrations_integration_pause"),
            path("<int:pk>/reconcile/", view(self.reconcile_view), name="integrations_integration_reconcile"),
            path("<int:pk>/webhook/", view(self.webhook_view), name="integrations_integration_webhook"),
            path("<int:pk>/mapping-preview/", view(self.mapping_preview),
                 name="integrations_integration_mapping_preview"),
            *super().get_urls(),
        ]

    @admin.display(description="Status", ordering="status")
    def status_label(self, integration):
        return status_badge(integration.status)

    @admin.display(description="Centra webhook URL")
    def webhook_address(self, integration):
        """Where Centra's Webhook plugin posts; the token in it is a secret (regenerate it if it leaks)."""
        if not integration.pk:
            return "Shown once the integration is saved."
        return format_html("<code>{}</code>", webhook_url(integration))

    def _integration(self, pk):
        return get_object_or_404(Integration.objects.select_related("source", "target", "organization"), pk=pk)

    def _back(self, integration):
        return reverse("admin:integrations_integration_change", args=[integration.pk])

    @action(description="Export one order", url_path="export-one")
    def export_one_action(self, request, object_id):
        return self.export_view(request, object_id)

    @action(description="Pause / resume", url_path="pause-integration")
    def pause_action(self, request, object_id):
        return self.pause_view(request, object_id)

    @action(description="Reconcile a day", url_path="reconcile-day")
    def reconcile_action(self, request, object_id):
        return self.reconcile_view(request, object_id)

    @action(description="New webhook URL", url_path="new-webhook")
    def webhook_action(self, request, object_id):
        return self.webhook_view(request, object_id)

    def mapping_preview(self, request, pk):
        return mapping_preview_view(self, request, self._integration(pk))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["preview_flows"] = sorted(obj.flows.filter(kind__in=PREVIEWABLE),
                                              key=lambda flow: PREVIEWABLE.index(flow.kind))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def export_view(self, request, pk):
        """Sync one order, shipment or return now: first what it means, then the export."""
        integration = self._integration(pk)
        form = ExportOneForm(request.POST or request.GET or None)
        if not form.is_bound or not form.is_valid():
            return confirm(self, request, title=f"Export one order of {integration}", form=form,
                           lines=["Also one that no run ever picked up. The next step says what it will sync."],
                           submit="Look it up", cancel_url=self._back(integration))
        reference = form.cleaned_data["reference"]
        try:
            if request.method == "POST" and request.POST.get("looked_up"):
                plan = runs.export_one(integration, reference, user=request.user)
                return done(request, f"Export of {plan.reference} queued: {', '.join(plan.described)}. Find it in "
                                     "the sync log by that number in a moment.", self._back(integration))
            plan = runs.find_export(integration, reference)
        except runs.NothingToExport as exc:
            form.add_error("reference", str(exc))
            return confirm(self, request, title=f"Export one order of {integration}", form=form, lines=[],
                           submit="Look it up", cancel_url=self._back(integration))
        except SyncError as exc:
            return done(request, f"Centra could not be asked: {exc.message}", self._back(integration), messages.ERROR)
        return confirm(self, request, title=f"Export {plan.reference} now?", form=ExportOneForm(
                           initial={"reference": reference}),
                       lines=[f"It syncs {', '.join(plan.described)}.",
                              "Documents already in the ERP are skipped by their link: nothing is created twice."],
                       submit=f"Export {plan.count} record(s)", cancel_url=self._back(integration),
                       extra={"looked_up": 1})

    def pause_view(self, request, pk):
        integration = self._integration(pk)
        pausing = integration.status != Integration.Status.PAUSED
        verb = "Pause" if pausing else "Resume"
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                runs.set_integration_paused(integration, pausing, user=request.user)
            except ValueError as exc:
                return done(request, str(exc), self._back(integration), messages.ERROR)
            return done(request, f"{verb}d {integration}.", self._back(integration))
        return confirm(self, request, title=f"{verb} every flow of {integration}?",
                       lines=["No run starts while it is paused; webhooks are still stored.",
                              "Resumed, each flow goes on from its cursor: nothing is skipped."] if pausing else
                       ["Its enabled flows run on their schedules again, from their cursors."],
                       submit=verb, cancel_url=self._back(integration), danger=pausing)

    def reconcile_view(self, request, pk):
        integration = self._integration(pk)
        form = DayForm(request.POST or None, initial={"day": timezone.localdate() - timezone.timedelta(days=1)})
        if request.method == "POST" and form.is_valid():
            day = form.cleaned_data["day"]
            runs.reconcile_now(integration, day, user=request.user)
            return done(request, f"Reconciliation of {day} queued for {integration}; the report appears under "
                                 "Reconciliation.", reverse("admin:integrations_reconciliationreport_changelist")
                        + f"?integration__id__exact={integration.pk}")
        return confirm(self, request, title=f"Reconcile a day of {integration}?", form=form,
                       lines=["Every shipment and return of the day is checked against the ERP's documents.",
                              "Missing documents are handed to their flow; differing totals are reported."],
                       submit="Reconcile now", cancel_url=self._back(integration))

    def webhook_view(self, request, pk):
        integration = self._integration(pk)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            url = regenerate_token(integration, user=request.user)
            return done(request, f"New webhook URL {url} — set it in Centra's Webhook plugin now.",
                        self._back(integration), messages.WARNING)
        return confirm(self, request, title=f"Give {integration} a new webhook URL?",
                       lines=["The old URL stops working at once: Centra's calls to it are refused until you set "
                              "the new one in Centra's Webhook plugin.", "Changes are still found by the sweeps."],
                       submit="Regenerate", cancel_url=self._back(integration), danger=True)
