"""allauth's adapter: where people land after logging in, and mails that link to /app/."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Owners still in Get Started continue it; everyone else goes to their sync overview."""
        from .access import membership_of

        membership = membership_of(request.user)
        if membership and membership.organization.integrations.exclude(status="draft").exists():
            return reverse("onboarding:home")
        if membership:
            return reverse("onboarding:wizard")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return reverse("onboarding:wizard")
