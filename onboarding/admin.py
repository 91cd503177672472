from django.contrib import admin

from .models import Company, Invitation, Wizard


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("organization", "organisation_number")
    search_fields = ("organization__name", "organisation_number")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read here; staff invite a new shop's owner at /accounts/new-shop/ (which sends the mail)."""

    list_display = ("email", "organization", "role", "created_at", "expires_at", "accepted_at")
    list_filter = ("role",)
    search_fields = ("email", "organization__name")
    readonly_fields = ("organization", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at",
                       "accepted_by")

    def has_add_permission(self, request):
        return False


@admin.register(Wizard)
class WizardAdmin(admin.ModelAdmin):
    list_display = ("organization", "done", "updated_at")
    readonly_fields = ("organization", "source", "target", "integration", "done", "facts")
