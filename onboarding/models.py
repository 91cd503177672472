"""What the engine's tables do not hold about a shop owner's side: the company's organisation
number, invitations to colleagues and the wizard's progress.

Memberships and their roles are the engine's `integrations.Membership`: an OWNER may change
settings, retry and go live; a MEMBER is a viewer and reads only.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from integrations.models import Connection, Integration, Membership, Organization

INVITATION_DAYS = 14


class Company(models.Model):
    """The legal side of an organization, given at sign-up."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="company")
    organisation_number = models.CharField(max_length=20, help_text="Swedish organisation number, e.g. 556677-8899.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self):
        return f"{self.organization} ({self.organisation_number})"


def _new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _expiry():
    return timezone.now() + timedelta(days=INVITATION_DAYS)


class Invitation(models.Model):
    """An e-mail invited into an organization with a role; accepted by signing up or logging in
    with that e-mail through the invitation's link."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_new_invitation_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} to {self.organization} as {self.get_role_display()}"

    @property
    def usable(self) -> bool:
        return self.accepted_at is None and self.expires_at > timezone.now()


class Wizard(models.Model):
    """How far an organization got in Get Started, so leaving and coming back continues there.

    The connections are made at steps 1 and 2; the draft integration exists from step 2 on and
    holds everything chosen after it (flows, bookkeeping, markets in its settings).
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="wizard")
    source = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target = models.ForeignKey(Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    integration = models.ForeignKey(Integration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    done = models.JSONField(default=list, blank=True, help_text="Steps completed, by slug.")
    facts = models.JSONField(default=dict, blank=True,
                             help_text="What the checks learnt: the ERP company reached, the test run's task.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Get Started of {self.organization}"
