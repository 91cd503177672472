"""Who may see and do what on the shop owners' side.

Every view goes through `member_required` (anonymous users are sent to log in; a user with no
organization is told so) and every change through `owner_required`: a viewer reads only. Objects
are only ever looked up through `request.organization`, so another organization's id is a 404.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from integrations.models import Membership


def membership_of(user) -> Membership | None:
    """The user's membership of a shop (one per user on this side; partners use the API)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (Membership.objects.select_related("organization")
            .filter(user=user, organization__isnull=False).order_by("pk").first())


def is_owner(membership: Membership | None) -> bool:
    return membership is not None and membership.role == Membership.Role.OWNER


def member_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_of(request.user)
        if membership is None:
            return render(request, "onboarding/no_organization.html", status=403)
        request.membership = membership
        request.organization = membership.organization
        request.is_owner = is_owner(membership)
        return view(request, *args, **kwargs)

    return wrapped


def owner_required(view):
    """Changes are for owners; a viewer gets a page saying who can do it for them."""

    @member_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.is_owner:
            return render(request, "onboarding/owner_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def owner_for_post(view):
    """Reading is for every member; a POST (a change) only for owners."""

    @member_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") and not request.is_owner:
            return render(request, "onboarding/owner_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped
