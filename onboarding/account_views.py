"""Invitations (accept, invite a colleague) and staff onboarding a new shop. Sign-up, e-mail
verification, login/out and password reset are django-allauth's own views under /accounts/."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import login, password_validation
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from integrations.models import Membership

from . import services
from .access import member_required, owner_required
from .forms import AcceptInvitationForm, InviteForm, SettingsForm, StaffInviteOwnerForm
from .models import Invitation

BACKEND = "django.contrib.auth.backends.ModelBackend"


def accept_invitation(request, token: str):
    invitation = get_object_or_404(Invitation.objects.select_related("organization"), token=token)
    if not invitation.usable:
        return render(request, "onboarding/invitation.html", {"invitation": invitation, "refused":
                      "This invitation was already used or has expired: ask the person who invited you for a new one."},
                      status=410)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                services.accept_invitation(invitation, user=request.user)
            elif form.is_valid():
                try:
                    password_validation.validate_password(form.cleaned_data["password1"])
                except ValidationError as exc:
                    form.add_error("password1", exc)
                else:
                    user = services.accept_invitation(invitation, password=form.cleaned_data["password1"])
                    login(request, user, backend=BACKEND)
            if request.user.is_authenticated and not form.errors:
                messages.success(request, f"Welcome to {invitation.organization}: you joined as "
                                          f"{invitation.get_role_display().lower()}.")
                return redirect("onboarding:home")
        except services.InvitationRefused as refused:
            messages.error(request, str(refused))
    return render(request, "onboarding/invitation.html", {"invitation": invitation, "form": form},
                  status=400 if form.errors else 200)


@member_required
def settings_page(request):
    """Company details, members and invitations; owners change them, viewers read."""
    organization = request.organization
    return _settings(request, SettingsForm(initial={"company_name": organization.name,
                                                    "contact_email": organization.contact_email}))


def _settings(request, form, status=200):
    organization = request.organization
    return render(request, "onboarding/settings.html", {
        "form": form, "invite_form": InviteForm(),
        "members": Membership.objects.filter(organization=organization).select_related("user").order_by("user__email"),
        "invitations": organization.invitations.filter(accepted_at__isnull=True),
        "company": getattr(organization, "company", None),
    }, status=status)


@owner_required
def save_settings(request):
    form = SettingsForm(request.POST)
    if request.method == "POST" and form.is_valid():
        services.update_settings(request.organization, name=form.cleaned_data["company_name"],
                                 contact_email=form.cleaned_data["contact_email"], user=request.user)
        messages.success(request, "Saved: alert e-mails now go to "
                                  f"{form.cleaned_data['contact_email']}.")
        return redirect("onboarding:settings")
    if request.method != "POST":
        return redirect("onboarding:settings")
    return _settings(request, form, status=400)  # what was typed stays, each error beside its field


@owner_required
def invite(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite(request.organization, form.cleaned_data["email"], form.cleaned_data["role"],
                                         by=request.user)
        except services.InvitationRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"Invitation sent to {invitation.email} as "
                                      f"{invitation.get_role_display().lower()}; the link works for 14 days.")
    elif request.method == "POST":
        messages.error(request, "Type the colleague's e-mail address and choose a role.")
    return redirect("onboarding:settings")


@staff_member_required
def staff_new_shop(request):
    """Staff create an organization for a shop and invite its owner."""
    form = StaffInviteOwnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.create_organization(
            form.cleaned_data["company_name"], form.cleaned_data["organisation_number"],
            form.cleaned_data["owner_email"], created_by=request.user)
        services.invite(organization, form.cleaned_data["owner_email"], Membership.Role.OWNER, by=request.user)
        messages.success(request, f"Created {organization} and sent {form.cleaned_data['owner_email']} an owner's "
                                  "invitation; they continue with Get Started.")
        return redirect("onboarding:staff-new-shop")
    return render(request, "onboarding/staff_new_shop.html", {"form": form}, status=400 if form.errors else 200)
