"""Who sees what. A partner's API key sees the organizations linked to its partner and nothing else;
a person (token or session) sees what their memberships give, staff everything. Every object reached
through an id is looked up inside these querysets, so a foreign id is simply not found (404)."""

from django.db.models import Q
from rest_framework import permissions

from ..models import ApiKey, Integration, Organization, Partner


def api_key_of(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


def visible_organizations(request):
    key = api_key_of(request)
    if key is not None:
        return Organization.objects.filter(partner=key.partner_id)
    user = request.user
    if not user or not user.is_authenticated:
        return Organization.objects.none()
    if user.is_staff:
        return Organization.objects.all()
    return Organization.objects.filter(Q(memberships__user=user) | Q(partner__memberships__user=user)).distinct()


def visible_integrations(request_or_user):
    """The integrations of the visible organizations (a user alone: what their memberships give)."""
    if hasattr(request_or_user, "auth"):
        return Integration.objects.filter(organization__in=visible_organizations(request_or_user))
    user = request_or_user
    if not user.is_authenticated:
        return Integration.objects.none()
    if user.is_staff:
        return Integration.objects.all()
    return Integration.objects.filter(
        Q(organization__memberships__user=user) | Q(organization__partner__memberships__user=user)
    ).distinct()


def partner_of(request) -> Partner | None:
    """The partner the caller acts for: its key's, or the one partner the person belongs to."""
    key = api_key_of(request)
    if key is not None:
        return key.partner
    if not request.user or not request.user.is_authenticated:
        return None
    return Partner.objects.filter(memberships__user=request.user).order_by("pk").first()


class KeyScope(permissions.BasePermission):
    """A read-only key reads; writing (any method but GET, HEAD, OPTIONS) needs a read-write key."""

    message = "This API key is read-only: make a read-write key to change anything."

    def has_permission(self, request, view):
        key = api_key_of(request)
        return key is None or request.method in permissions.SAFE_METHODS or key.can_write
