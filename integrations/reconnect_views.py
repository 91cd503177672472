"""Staff pages of an OAuth2 reconnect: start (off to the system's consent page) and the callback.

Thin over `reconnect`. Only staff who may change the connection in the admin get here; every
failure is a page that says what happened and what to do, never an error 500.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import reconnect
from .models import Connection


def callback_uri() -> str:
    """The redirect URI registered for Junipeer's app with the system (Fortnox: its Developer Portal)."""
    return f"{settings.SITE_URL}{reverse('integrations:oauth-callback')}"


def _require_change_permission(request, connection: Connection | None = None) -> None:
    if not admin.site.get_model_admin(Connection).has_change_permission(request, connection):
        raise PermissionDenied


def _result(request, *, ok: bool, message: str, connection: Connection | None, status: int = 200):
    title = f"Reconnect {connection.system.label}: {connection}" if connection else "Reconnect"
    context = {**admin.site.each_context(request), "title": title, "ok": ok, "message": message,
               "connection": connection, "opts": Connection._meta}
    return TemplateResponse(request, "admin/integrations/connection/reconnect.html", context, status=status)


@staff_member_required
def start(request, pk: int):
    connection = get_object_or_404(Connection, pk=pk)
    _require_change_permission(request, connection)
    try:
        url = reconnect.begin(connection, callback_uri(), request.session)
    except reconnect.ReconnectFailed as failed:
        return _result(request, ok=False, message=failed.message, connection=connection, status=400)
    return redirect(url)


@staff_member_required
def callback(request):
    _require_change_permission(request)
    try:
        done = reconnect.finish(request.GET, request.session)
    except reconnect.ReconnectFailed as failed:
        return _result(request, ok=False, message=failed.message, connection=failed.connection, status=400)
    return _result(request, ok=done.healthy, message=done.message, connection=done.connection)
