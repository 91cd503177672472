"""Partners' API keys in the console: made here (the key is shown once, in the confirmation), never
edited, revoked with a confirmation. Only the hash is kept; the prefix identifies a key in logs."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from ..models import ApiKey
from ..services import api_keys
from .common import ConsoleAdmin, confirm


class ApiKeyForm(forms.ModelForm):
    expires_at = forms.DateTimeField(required=False, help_text="Empty: the key never expires. Format 2027-01-31 "
                                                               "23:59.")

    class Meta:
        model = ApiKey
        fields = ["partner", "name", "scope", "expires_at"]

    def clean_expires_at(self):
        value = self.cleaned_data.get("expires_at")
        if value and value <= timezone.now():
            raise forms.ValidationError("An expiry lies in the future.")
        return value


@admin.register(ApiKey)
class ApiKeyAdmin(ConsoleAdmin):
    form = ApiKeyForm
    list_display = ["name", "partner", "prefix", "scope", "state", "created_at", "expires_at", "last_used_at"]
    list_filter = ["partner", "scope"]
    search_fields = ["name", "prefix", "partner__name"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)  # a key is made or revoked, not edited

    def save_model(self, request, obj, form, change):
        issued = api_keys.issue(form.cleaned_data["partner"], name=form.cleaned_data["name"],
                                scope=form.cleaned_data["scope"], expires_at=form.cleaned_data["expires_at"],
                                user=request.user)
        obj.pk = issued.api_key.pk
        obj.__dict__.update({k: v for k, v in issued.api_key.__dict__.items() if not k.startswith("_")})
        messages.success(request, f"API key made for {issued.api_key.partner}. Copy it now; it is never shown again: "
                                  f"{issued.key}")

    def log_addition(self, request, obj, message):
        """`api_keys.issue` logged it already, with what matters (the prefix and scope)."""

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return confirm(self, request, title="Revoke API keys",
                           lines=[f"{key} of {key.partner} stops working at once." for key in queryset],
                           submit="Revoke", cancel_url=request.get_full_path(), danger=True,
                           extra={"action": "revoke", "selected": [k.pk for k in queryset]})
        revoked = sum(api_keys.revoke(key, user=request.user) for key in queryset)
        messages.success(request, f"Revoked {revoked} API key(s); requests with them now answer 401.")
        return None
