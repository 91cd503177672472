"""The engine's own endpoints: webhooks, and reconnecting an OAuth2 system (staff only). Included at the
site root by junipeer/urls.py."""

from django.urls import path

from . import reconnect_views, webhooks

app_name = "integrations"

urlpatterns = [
    # The token is the integration's secret: the slug alone reaches nothing (404).
    path("hooks/centra/<slug:slug>/<str:token>/", webhooks.centra_webhook, name="centra-webhook"),
    path("connections/<int:pk>/reconnect/", reconnect_views.start, name="reconnect"),
    path("oauth/callback/", reconnect_views.callback, name="oauth-callback"),
]
