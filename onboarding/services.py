"""Writes of the shop owners' side: organizations, invitations, memberships."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from integrations import audit
from integrations.models import Membership, Organization

from .models import Company, Invitation


class InvitationRefused(ValueError):
    """An invitation that cannot be used, with what to do instead."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40] or "shop"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_organization(name: str, organisation_number: str, contact_email: str, *, owner=None,
                        created_by=None) -> Organization:
    """A new shop, with `owner` (if given) as its first owner."""
    organization = Organization.objects.create(name=name.strip(), slug=_unique_slug(name),
                                               contact_email=contact_email)
    Company.objects.create(organization=organization, organisation_number=organisation_number,
                           created_by=created_by or owner)
    if owner is not None:
        Membership.objects.create(user=owner, organization=organization, role=Membership.Role.OWNER)
    audit.record(created_by or owner, [organization], f"Created the organization {organization.name}.")
    return organization


def invitation_url(invitation: Invitation) -> str:
    return f"{settings.SITE_URL}{reverse('onboarding:accept-invitation', args=[invitation.token])}"


def invite(organization: Organization, email: str, role: str, *, by=None) -> Invitation:
    """Invite `email` into `organization` with `role` and mail the link (valid 14 days)."""
    email = email.strip().lower()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise InvitationRefused(f"{email} is already a member of {organization}.")
    invitation = Invitation.objects.create(organization=organization, email=email, role=role, invited_by=by)
    send_mail(
        f"[Junipeer] You are invited to {organization}",
        f"{getattr(by, 'email', '') or 'Junipeer'} invites you to {organization} on Junipeer as "
        f"{invitation.get_role_display().lower()}.\n\nAccept within 14 days: {invitation_url(invitation)}\n",
        None, [email],
    )
    audit.record(by, [organization], f"Invited {email} as {invitation.get_role_display().lower()}.")
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, *, user=None, password: str | None = None):
    """Join the invitation's organization: as `user` (logged in with the invited e-mail) or as a new
    user with `password`. The link came to the invited address, so that address counts as verified."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.usable:
        raise InvitationRefused("This invitation was already used or has expired: ask for a new one.")
    if user is None:
        User = get_user_model()
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationRefused(f"{invitation.email} already has an account: log in with it, then open "
                                    "the invitation link again.")
        user = User.objects.create_user(username=invitation.email[:150], email=invitation.email, password=password)
    elif user.email.lower() != invitation.email:
        raise InvitationRefused(f"This invitation is for {invitation.email}; you are logged in as {user.email}. "
                                "Log out and open the link again.")
    if Membership.objects.filter(user=user, organization__isnull=False).exclude(
            organization=invitation.organization).exists():
        raise InvitationRefused("Your account already belongs to another organization: accept with another "
                                "e-mail address.")
    EmailAddress.objects.update_or_create(user=user, email=invitation.email,
                                          defaults={"verified": True, "primary": True})
    Membership.objects.update_or_create(user=user, organization=invitation.organization,
                                        defaults={"role": invitation.role})
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(user, [invitation.organization], f"{user.email} joined as {invitation.get_role_display().lower()}.")
    return user


def update_settings(organization: Organization, *, name: str, contact_email: str, user=None) -> None:
    Organization.objects.filter(pk=organization.pk).update(name=name.strip(), contact_email=contact_email)
    organization.name, organization.contact_email = name.strip(), contact_email
    audit.record(user, [organization], "Changed the company name / contact e-mail.")
