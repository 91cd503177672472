"""The engine's public endpoints (webhooks). Included at the site root by junipeer/urls.py."""

from django.urls import path

from . import webhooks

app_name = "integrations"

urlpatterns = [
    path("hooks/centra/<slug:slug>/", webhooks.centra_webhook, name="centra-webhook"),
]
