"""Admin for the Fortnox simulator: mainly to turn a tenant's knobs (rounding, rate limit …)."""

from django.contrib import admin

from .models import Article, Customer, FortnoxApp, Invoice, Tenant


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "database_number", "rounding", "rate_limit_requests", "rate_limit_window_seconds",
                    "access_token_ttl")
    search_fields = ("name", "database_number")


@admin.register(FortnoxApp)
class FortnoxAppAdmin(admin.ModelAdmin):
    list_display = ("client_id", "redirect_uri", "created_at")


class RecordAdmin(admin.ModelAdmin):
    """Records are changed through the API, like in Fortnox; the admin only shows them."""

    list_filter = ("tenant",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(RecordAdmin):
    list_display = ("customer_number", "name", "email", "tenant", "deleted_at")
    search_fields = ("customer_number", "name", "email")


@admin.register(Invoice)
class InvoiceAdmin(RecordAdmin):
    list_display = ("document_number", "customer_number", "invoice_date", "total", "booked", "cancelled", "credit",
                    "tenant")
    search_fields = ("document_number", "external_invoice_reference1", "your_order_number")


@admin.register(Article)
class ArticleAdmin(RecordAdmin):
    list_display = ("article_number", "description", "quantity_in_stock", "tenant")
    search_fields = ("article_number", "description", "ean")
