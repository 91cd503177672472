"""A partner's shops: made by the partner, their owner invited to run their own area."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction

from .. import audit
from ..models import Membership, Organization, Partner


def create_organization(partner: Partner, *, name: str, slug: str, contact_email: str = "", user=None) -> Organization:
    organization = Organization.objects.create(partner=partner, name=name, slug=slug, contact_email=contact_email)
    audit.record(user, [organization], f"Created the shop {name} for {partner}.")
    return organization


@transaction.atomic
def invite_owner(organization: Organization, email: str, *, user=None) -> Membership:
    """Make `email` an owner of `organization` (a new account without a password if they have none)
    and mail them how to set their password and log in. Inviting again re-sends the mail."""
    email = email.strip().lower()
    User = get_user_model()
    person = User.objects.filter(email__iexact=email).order_by("pk").first()
    if person is None:
        person = User.objects.create_user(username=email[:150], email=email)  # unusable password until set
    membership, _ = Membership.objects.get_or_create(user=person, organization=organization,
                                                     defaults={"role": Membership.Role.OWNER})
    if membership.role != Membership.Role.OWNER:
        Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.OWNER)
        membership.role = Membership.Role.OWNER
    site = settings.SITE_URL.rstrip("/")
    transaction.on_commit(lambda: send_mail(
        f"You are invited to run {organization.name}'s integration on Junipeer",
        f"Hello,\n\n{organization.partner or 'Your agency'} set up {organization.name} on Junipeer and invited you "
        f"as its owner.\nSet your password at {site}/accounts/password/reset/ with this e-mail address ({email}), "
        f"then log in at {site}/app/ to follow your syncs.\n",
        None, [email]))
    audit.record(user, [organization], f"Invited {email} as owner of {organization.name}.")
    return membership
