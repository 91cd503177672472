"""Fortnox (any OAuth2 system) connected through a link the API returns.

The partner asks for the consent link and hands it to the shop owner; the owner approves in the
system, which sends their browser back to `/api/v1/oauth/callback/`. The attempt waits in the
database (`OAuthStart`), not in a session: the caller and the person approving are not the same.
"""

from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import reconnect
from ..models import OAuthStart


class StoredAttempts(MutableMapping):
    """`reconnect`'s pending-attempt mapping, kept in the database. Built for one state on the
    way back, so an answer sees only its own attempt."""

    def __init__(self, state: str | None = None):
        self.state = state

    def __getitem__(self, key):
        if key != reconnect.PENDING_KEY:
            raise KeyError(key)
        rows = OAuthStart.objects.filter(state=self.state) if self.state else OAuthStart.objects.none()
        return {row.state: {"connection": row.connection_id, "redirect_uri": row.redirect_uri,
                            "expires_at": row.expires_at.timestamp()} for row in rows}

    def __setitem__(self, key, attempts):
        if key != reconnect.PENDING_KEY:
            raise KeyError(key)
        known = set(self[key])
        OAuthStart.objects.filter(state__in=known - set(attempts)).delete()  # answered: good for one answer
        for state, attempt in attempts.items():
            if state not in known:
                OAuthStart.objects.create(
                    state=state, connection_id=attempt["connection"], redirect_uri=attempt["redirect_uri"],
                    expires_at=datetime.fromtimestamp(attempt["expires_at"], tz=UTC))
        OAuthStart.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()

    def __delitem__(self, key):
        raise KeyError(key)

    def __iter__(self):
        return iter([reconnect.PENDING_KEY])

    def __len__(self):
        return 1


def callback_uri() -> str:
    return f"{settings.SITE_URL}{reverse('api-oauth-callback')}"


def consent_link(connection) -> str:
    """The system's consent URL for `connection`; raises reconnect.ReconnectFailed with what to fix."""
    return reconnect.begin(connection, callback_uri(), StoredAttempts())


@require_GET
def callback(request):
    """Where the system sends the shop owner's browser back: a page saying what happened."""
    try:
        done = reconnect.finish(request.GET, StoredAttempts(request.GET.get("state") or None))
    except reconnect.ReconnectFailed as failed:
        context = {"ok": False, "message": failed.message, "connection": failed.connection}
        return render(request, "api/oauth_result.html", context, status=400)
    context = {"ok": done.healthy, "message": done.message, "connection": done.connection}
    return render(request, "api/oauth_result.html", context)
