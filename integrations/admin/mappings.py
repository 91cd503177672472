"""Mappings and bookkeeping in the console: inlines on the integration, and a settings page."""

from django.contrib import admin, messages
from django.utils.html import format_html_join

from mappings.models import Bookkeeping, FieldMapping, OssAccount, PostingGroups, ValueMapEntry

from ..connections import centra_client
from ..domain.errors import SyncError
from ..services.bookkeeping import read_bookkeeping_defaults
from ..services.markets import market_flags
from .common import ConsoleAdmin, StackedInline, TabularInline
from .forms import BookkeepingForm, PostingGroupsForm


class BookkeepingInline(StackedInline):
    form = BookkeepingForm
    model = Bookkeeping
    tab = True
    can_delete = False
    show_change_link = True
    extra = 0


class PostingGroupsInline(StackedInline):
    """For an ERP that books by posting groups (Business Central): which group each booking
    situation and each VAT rate goes to. Shown only on such integrations."""

    form = PostingGroupsForm
    model = PostingGroups
    tab = True
    can_delete = False
    extra = 0
    max_num = 1


class OssAccountInline(TabularInline):
    """One row per (country, VAT rate): a reduced rate is a row of its own, never a second field."""

    model = OssAccount
    tab = True
    extra = 0
    fields = ["country_code", "vat_rate", "sales_account", "return_fee_account"]


class FieldMappingInline(TabularInline):
    model = FieldMapping
    tab = True
    extra = 0
    fields = ["flow_kind", "target", "source_path", "transform", "argument", "position"]


class ValueMapEntryInline(TabularInline):
    model = ValueMapEntry
    tab = True
    extra = 0


@admin.register(Bookkeeping)
class BookkeepingAdmin(ConsoleAdmin):
    form = BookkeepingForm
    list_display = ["integration", "home_country", "oss_enabled", "markets"]
    readonly_fields = ["centra_markets"]
    actions = ["read_defaults"]

    @admin.action(description="Read default accounts from the ERP")
    def read_defaults(self, request, queryset):
        for bookkeeping in queryset:
            try:
                changed = read_bookkeeping_defaults(bookkeeping.integration)
            except SyncError as exc:
                self.message_user(request, f"{bookkeeping.integration}: {exc}", messages.ERROR)
                continue
            summary = ", ".join(f"{field}={number}" for field, number in changed.items()) or "already up to date"
            self.message_user(request, f"{bookkeeping.integration}: {summary}")

    @admin.display(description="Markets in Centra")
    def centra_markets(self, bookkeeping):
        try:
            markets = centra_client(bookkeeping.integration.source).markets()
        except SyncError as exc:
            return f"Cannot read Centra's markets: {exc}"
        selected = set(bookkeeping.markets or [])
        rows = [
            (m["name"], "synced" if not selected or m["name"] in selected else "not synced",
             ", ".join(market_flags(m)) or "-")
            for m in markets
        ]
        return format_html_join("\n", "<div>{} — {} — <b>{}</b></div>", rows) or "none"
