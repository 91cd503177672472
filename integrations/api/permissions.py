"""Who may see which integrations: staff all; members their organization's; partners their shops'."""

from django.db.models import Q

from ..models import Integration


def visible_integrations(user):
    if not user.is_authenticated:
        return Integration.objects.none()
    if user.is_staff:
        return Integration.objects.all()
    return Integration.objects.filter(
        Q(organization__memberships__user=user) | Q(organization__partner__memberships__user=user)
    ).distinct()
