"""Internals under the menu's System section: record links, webhook events, the audit trail, users."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, User
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from ..models import RecordLink, WebhookEvent
from .common import ConsoleAdmin, HistoryAdmin

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class UserAdmin(BaseUserAdmin, ConsoleAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ConsoleAdmin):
    pass


@admin.register(RecordLink)
class RecordLinkAdmin(HistoryAdmin):
    list_display = ["object_type", "source_id", "target_id", "integration", "claimed_by", "updated_at"]
    list_filter = ["object_type", "integration"]
    list_select_related = ["integration"]
    search_fields = ["=source_id", "=target_id"]


@admin.register(WebhookEvent)
class WebhookEventAdmin(HistoryAdmin):
    list_display = ["integration", "object_type", "object_id", "action", "status", "signature_valid", "received_at"]
    list_filter = ["status", "object_type", "signature_valid"]
    list_select_related = ["integration"]
    search_fields = ["=object_id", "=event_id"]


@admin.register(LogEntry)
class AuditTrailAdmin(HistoryAdmin):
    """Who changed a mapping, a setting, a credential, paused a flow or retried records, and when."""

    list_display = ["action_time", "user", "content_type", "object_repr", "change_message"]
    list_filter = ["action_flag", "content_type", "user"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "change_message", "user__username"]
    date_hierarchy = "action_time"
