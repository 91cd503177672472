"""What every console page shares: the unfold base, a paginator that never counts a million rows,
and the confirm-then-act pattern every action follows (GET says what will happen, POST does it)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.functional import cached_property
from unfold.admin import ModelAdmin, StackedInline, TabularInline  # noqa: F401  (re-exported for the console)

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (a LIMITed subquery), so the sync log's list page costs the
    same on a million records; past the cap the page says "more than 10,000" and asks for a filter."""

    @cached_property
    def count(self):
        return self.object_list[:COUNT_CAP + 1].count()


class ConsoleAdmin(ModelAdmin):
    list_filter_submit = True
    warn_unsaved_form = True


class HistoryAdmin(ConsoleAdmin):
    """What happened is never edited nor deleted from the console: it is the history people rely on."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def confirm(model_admin, request, *, title: str, lines: list[str], form=None, submit: str, cancel_url: str,
            danger: bool = False, extra: dict | None = None) -> TemplateResponse:
    """The page every action shows before it acts: what it will do, the form it needs, one button."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title, "lines": lines, "form": form, "submit": submit, "cancel_url": cancel_url,
        "danger": danger, "opts": model_admin.model._meta, **(extra or {}),
    }
    return TemplateResponse(request, "admin/integrations/confirm.html", context)


def done(request, message: str, url: str, level=messages.SUCCESS) -> HttpResponseRedirect:
    messages.add_message(request, level, message)
    return HttpResponseRedirect(url)
