"""The sync log, the open failures and one record's page: what happened, and acting on it.

Runs and records are history: never added, edited or deleted here. Retry, resolve/ignore and
"sync again" go through `services.failures` and `services.records`, each after a confirmation.
"""


from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.timesince import timesince
from unfold.contrib.filters.admin import RangeDateFilter, RelatedDropdownFilter

from ..models import RecordLink, SyncRecord, SyncRun
from ..models.runs import OpenFailure
from ..selectors.failures import advice, failure_groups
from ..selectors.records import SEARCH_HELP, document_links, exchanges, search_records, source_text
from ..services import failures
from ..services.records import CannotSyncAgain, sync_again
from ..web_input import whole_number
from .badges import badge, status_badge
from .common import COUNT_CAP, CappedPaginator, HistoryAdmin, TabularInline, confirm, done
from .filters import AgeFilter, ErrorCodeFilter, FlowFilter, OrganizationFilter


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
        help_text="Why it is closed, e.g. \"invoiced by hand in the ERP as 4711\". It stays in the history.",
    )


class RecordListMixin:
    """Columns and search shared by the sync log and the open failures."""

    paginator = CappedPaginator
    show_full_result_count = False
    list_per_page = 50
    search_help_text = SEARCH_HELP
    list_select_related = ["integration"]
    search_fields = ["source_ref"]  # shows the search box; get_search_results does the searching

    def get_search_results(self, request, queryset, search_term):
        return search_records(queryset, search_term), False

    @admin.display(description="When", ordering="created_at")
    def when(self, record):
        return format_html('<span title="{}">{} ago</span>', record.created_at, timesince(record.created_at))

    @admin.display(description="Record")
    def reference(self, record):
        label = record.source_ref or record.source_id
        order = f" · order {record.order_number}" if record.order_number and record.order_number not in label else ""
        return format_html("<b>{}</b> {}<div class=\"console-muted\">{}{}</div>",
                           record.object_type.replace("_", " "), label, record.integration.name, order)

    @admin.display(description="Status", ordering="status")
    def status_label(self, record):
        if record.resolution:
            return status_badge(record.resolution)
        return status_badge(record.status)

    @admin.display(description="Error")
    def error(self, record):
        if not record.error_code:
            return "-"
        return format_html('<code>{}</code><div class="console-muted">{}</div>', record.error_code,
                           record.message[:140])

    @admin.display(description="ERP document")
    def document(self, record):
        return record.target_id or "-"


@admin.register(SyncRecord)
class SyncRecordAdmin(RecordListMixin, HistoryAdmin):
    """The sync log: every attempt of every record, newest first."""

    list_display = ["when", "reference", "status_label", "document", "error", "attempts"]
    list_display_links = ["reference"]
    list_filter = [OrganizationFilter, ("integration", RelatedDropdownFilter), FlowFilter, "status",
                   ErrorCodeFilter, ("created_at", RangeDateFilter)]
    actions = ["retry_selected"]


    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:record_id>/retry/", view(self.retry_view), name="integrations_syncrecord_retry"),
            path("<int:record_id>/resolve/", view(self.resolve_view), name="integrations_syncrecord_resolve"),
            path("<int:record_id>/again/", view(self.again_view), name="integrations_syncrecord_again"),
            *super().get_urls(),
        ]

    # --- the record's page -------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A page for people instead of a form of read-only fields."""
        if whole_number(object_id) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        record = SyncRecord.objects.filter(pk=whole_number(object_id)).select_related(
            "integration__source", "integration__target", "run__flow", "resolved_by").first()
        if record is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, record):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        history = (SyncRecord.objects.filter(integration=record.integration, object_type=record.object_type,
                                             source_id=record.source_id).select_related("run")
                   .order_by("-created_at", "-id")[:50])
        link = RecordLink.objects.filter(integration=record.integration, object_type=record.object_type,
                                         source_id=record.source_id).first()
        is_open = SyncRecord.objects.open_failures().filter(pk=record.pk).exists()
        context = {
            **self.admin_site.each_context(request),
            "title": f"{record.object_type.replace('_', ' ').capitalize()} {record.source_ref or record.source_id}",
            "opts": self.opts, "record": record, "history": history, "link": link, "is_open": is_open,
            "advice": advice(record.error_code), "status": self.status_label(record),
            "sections": self._sections(record), "links": document_links(record), "source": source_text(record),
            "log_url": reverse("admin:integrations_syncrecord_changelist"),
            "erp_label": record.integration.target.system.label if record.integration.target.kind else "ERP",
            "source_label": record.integration.source.system.label,
        }
        return TemplateResponse(request, "admin/integrations/syncrecord/record.html", context)

    @staticmethod
    def _sections(record) -> list[dict]:
        return exchanges(record)

    def _record(self, record_id):
        return get_object_or_404(SyncRecord.objects.select_related("integration", "run__flow"), pk=record_id)

    def _page(self, record):
        return reverse("admin:integrations_syncrecord_change", args=[record.pk])

    def retry_view(self, request, record_id):
        record = self._record(record_id)
        if request.method == "POST":
            count = failures.retry(SyncRecord.objects.filter(pk=record.pk), user=request.user)
            if not count:
                return done(request, "This record is not an open failure: nothing to retry.", self._page(record),
                            messages.WARNING)
            return done(request, f"Retry of {record.source_ref or record.source_id} queued: the {record.run.flow.kind}"
                                 " flow runs it shortly. Reload this page to see the new attempt.", self._page(record))
        return confirm(self, request, title=f"Retry {record.object_type} {record.source_ref or record.source_id}?",
                       lines=[f"The {record.run.flow.kind} flow fetches the record from "
                              f"{record.integration.source.system.label} again and pushes it once.",
                              "If the cause is not fixed yet, it fails again with the same advice."],
                       submit="Retry now", cancel_url=self._page(record))

    def resolve_view(self, request, record_id):
        record = self._record(record_id)
        form = ReasonForm(request.POST or None)
        resolution = request.POST.get("resolution") or request.GET.get("resolution") or "resolved"
        if resolution not in failures.RESOLUTIONS:
            resolution = "resolved"
        if request.method == "POST" and form.is_valid():
            count = failures.resolve(SyncRecord.objects.filter(pk=record.pk), reason=form.cleaned_data["reason"],
                                     user=request.user, resolution=resolution)
            if not count:
                return done(request, "This record is not an open failure: nothing was closed.", self._page(record),
                            messages.WARNING)
            return done(request, f"Marked {record.source_ref or record.source_id} {resolution}; it stays in the "
                                 "sync log with your reason.", self._page(record))
        verb = "Ignore" if resolution == "ignored" else "Resolve"
        return confirm(self, request, title=f"{verb} the failure of {record.source_ref or record.source_id}?",
                       lines=["It leaves the open failures and is no longer retried.",
                              "It stays in the sync log with who closed it, when and why."],
                       form=form, submit=f"{verb} with this reason", cancel_url=self._page(record),
                       extra={"resolution": resolution})

    def again_view(self, request, record_id):
        record = self._record(record_id)
        if request.method == "POST":
            try:
                flow = sync_again(record, user=request.user)
            except CannotSyncAgain as exc:
                return done(request, str(exc), self._page(record), messages.ERROR)
            return done(request, f"{record.source_ref or record.source_id} asked for again: the {flow.kind} flow "
                                 "runs now. Already-synced documents are skipped by their link, never doubled.",
                        self._page(record))
        return confirm(self, request, title=f"Sync {record.source_ref or record.source_id} again?",
                       lines=[f"The {record.run.flow.kind} flow fetches it again and pushes what is missing.",
                              "A document already in the ERP is not created twice (its record link is checked)."],
                       submit="Sync again", cancel_url=self._page(record))

    @admin.action(description="Retry the selected failed records")
    def retry_selected(self, request, queryset):
        return bulk_retry(self, request, queryset)


def _selection_fields(request) -> dict:
    """What a bulk action's confirmation posts back so the same records are acted on."""
    return {"selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"), "action": request.POST.get("action", "")}


def bulk_retry(model_admin, request, queryset):
    if request.POST.get("confirm") == "yes":
        count = failures.retry(queryset, user=request.user)
        model_admin.message_user(request, f"Queued {count} failed record(s) for retry; each flow concerned runs "
                                          "shortly. Records that were not open failures were left alone.")
        return None
    count = SyncRecord.objects.open_failures().filter(pk__in=queryset.values("pk")).count()
    return confirm(model_admin, request, title=f"Retry {count} open failure(s)?",
                   lines=["Each is fetched again and pushed once by its flow, now.",
                          "Fix the cause first (the advice says what): otherwise they fail again."],
                   submit=f"Retry {count} record(s)", cancel_url=request.get_full_path(),
                   extra={"bulk": _selection_fields(request)})


def bulk_resolve(model_admin, request, queryset, resolution: str):
    form = ReasonForm(request.POST if request.POST.get("confirm") == "yes" else None)
    if form.is_bound and form.is_valid():
        count = failures.resolve(queryset, reason=form.cleaned_data["reason"], user=request.user,
                                 resolution=resolution)
        model_admin.message_user(request, f"Marked {count} failure(s) {resolution}; they stay in the sync log "
                                          "with your reason.")
        return None
    count = SyncRecord.objects.open_failures().filter(pk__in=queryset.values("pk")).count()
    verb = "Ignore" if resolution == "ignored" else "Resolve"
    return confirm(model_admin, request, title=f"{verb} {count} open failure(s)?",
                   lines=["They leave the open failures and are no longer retried.",
                          "They stay in the sync log with who closed them, when and why."],
                   form=form, submit=f"{verb} {count} with this reason", cancel_url=request.get_full_path(),
                   extra={"bulk": _selection_fields(request)})


@admin.register(OpenFailure)
class OpenFailureAdmin(RecordListMixin, HistoryAdmin):
    """One row per failing source record (its latest attempt), with what to do about it."""

    list_display = ["when", "reference", "error", "advice_text", "attempts", "next_try"]
    list_display_links = ["reference"]
    list_filter = [ErrorCodeFilter, OrganizationFilter, ("integration", RelatedDropdownFilter), FlowFilter, AgeFilter]
    actions = ["retry_selected", "resolve_selected", "ignore_selected"]
    list_before_template = "admin/integrations/openfailure/groups.html"

    def has_view_permission(self, request, obj=None):
        """Whoever may read the sync log may read its open failures (the proxy has no grants of its own)."""
        return request.user.has_perm("integrations.view_syncrecord") or request.user.has_perm(
            "integrations.view_openfailure")

    def get_queryset(self, request):
        return super().get_queryset(request).open_failures()

    def changelist_view(self, request, extra_context=None):
        changelist = self.get_changelist_instance(request) if request.method == "GET" else None
        groups = failure_groups(changelist.queryset) if changelist else []
        return super().changelist_view(request, {**(extra_context or {}), "failure_groups": groups,
                                                 "count_cap": COUNT_CAP})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from django.http import HttpResponseRedirect

        return HttpResponseRedirect(reverse("admin:integrations_syncrecord_change", args=[object_id]))

    @admin.display(description="What to do")
    def advice_text(self, record):
        return advice(record.error_code)

    @admin.display(description="Next try")
    def next_try(self, record):
        if record.dead:
            return badge("out of retries", "danger")
        if record.next_retry_at:
            return format_html('<span title="{}">automatic</span>', record.next_retry_at)
        return badge("after a fix", "warning")

    @admin.action(description="Retry the selected failures")
    def retry_selected(self, request, queryset):
        return bulk_retry(self, request, queryset)

    @admin.action(description="Resolve the selected failures (with a reason)")
    def resolve_selected(self, request, queryset):
        return bulk_resolve(self, request, queryset, "resolved")

    @admin.action(description="Ignore the selected failures (with a reason)")
    def ignore_selected(self, request, queryset):
        return bulk_resolve(self, request, queryset, "ignored")


class SyncRecordInline(TabularInline):
    model = SyncRecord
    fields = ["object_type", "source_id", "source_ref", "status", "target_id", "error_code", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0
    per_page = 50


@admin.register(SyncRun)
class SyncRunAdmin(HistoryAdmin):
    list_display = ["id", "flow", "trigger", "status_label", "started_at", "finished_at", "created", "updated",
                    "skipped", "failed"]
    list_filter = ["status", "trigger", "flow__kind", ("flow__integration", RelatedDropdownFilter),
                   ("started_at", RangeDateFilter)]
    search_fields = ["flow__integration__slug", "error_code"]
    list_select_related = ["flow__integration"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    inlines = [SyncRecordInline]
    actions = ["retry_failed_records"]
    paginator = CappedPaginator
    show_full_result_count = False
    change_form_before_template = "admin/integrations/syncrun/progress_slot.html"

    @admin.display(description="Status", ordering="status")
    def status_label(self, run):
        return status_badge(run.status, run.get_status_display())

    @admin.action(description="Retry the failed records of the selected runs")
    def retry_failed_records(self, request, queryset):
        return bulk_retry(self, request, SyncRecord.objects.filter(run__in=queryset))
