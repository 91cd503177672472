from django.apps import apps
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("", include("integrations.urls")),
    path("api/v1/", include("integrations.api.urls")),
    # Shop owners: invitations, /get-started/ and /app/ (onboarding), then allauth's account pages.
    path("", include("onboarding.urls")),
    path("accounts/", include("allauth.urls")),
]

# Development and test only: production never installs the sandbox (junipeer.settings).
if apps.is_installed("sandbox"):
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
