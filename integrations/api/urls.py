from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("integrations", views.IntegrationViewSet, basename="integration")
records = DefaultRouter()
records.register("runs", views.SyncRunViewSet, basename="run")
records.register("records", views.SyncRecordViewSet, basename="record")

urlpatterns = [
    path("", include(router.urls)),
    path("integrations/<slug:integration_slug>/", include(records.urls)),
    path("errors/", views.ErrorCatalogView.as_view(), name="error-catalog"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
