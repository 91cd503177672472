"""The partner API v1 under /api/v1/: resources, the OpenAPI schema, Swagger UI and Redoc."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import docs, errors, hooks, integrations, keys, mappings, oauth, setup, views

router = SimpleRouter()
router.register("keys", keys.ApiKeyViewSet, basename="api-key")
router.register("organizations", setup.OrganizationViewSet, basename="organization")
router.register("connections", setup.ConnectionViewSet, basename="connection")
router.register("systems", setup.SystemsView, basename="system")
router.register("integrations", integrations.IntegrationViewSet, basename="integration")
router.register("failures", views.OpenFailureViewSet, basename="open-failure")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("reconciliation-reports", views.ReconciliationReportViewSet, basename="reconciliation-report")
router.register("webhooks", hooks.PartnerWebhookViewSet, basename="partner-webhook")

scoped = SimpleRouter()
scoped.register("flows", integrations.FlowViewSet, basename="flow")
scoped.register("runs", views.SyncRunViewSet, basename="run")
scoped.register("records", views.SyncRecordViewSet, basename="record")
scoped.register("mappings", mappings.FieldMappingViewSet, basename="mapping")
scoped.register("value-maps", mappings.ValueMapViewSet, basename="value-map")
scoped.register("oss-accounts", mappings.OssAccountViewSet, basename="oss-account")

bookkeeping = mappings.BookkeepingViewSet.as_view({"get": "list", "patch": "partial_update"})

urlpatterns = [
    path("", include(router.urls)),
    path("integrations/<slug:integration_slug>/", include(scoped.urls)),
    path("integrations/<slug:integration_slug>/bookkeeping/", bookkeeping, name="bookkeeping"),
    path("integrations/<slug:integration_slug>/bookkeeping/read-defaults/",
         mappings.BookkeepingViewSet.as_view({"post": "read_defaults"}), name="bookkeeping-read-defaults"),
    path("errors/", views.ErrorCatalogView.as_view(), name="error-catalog"),
    path("oauth/callback/", oauth.callback, name="api-oauth-callback"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", docs.RedocView.as_view(url_name="schema"), name="redoc"),
    path("redoc/redoc.standalone.js", docs.redoc_script, name="redoc-bundle"),
    # Last: any other address under /api/v1/ ending in a slash answers the one error body, not an HTML
    # page (one without the slash is still redirected to it by CommonMiddleware, as everywhere).
    re_path(r"^.*/$", errors.no_such_endpoint),
]
