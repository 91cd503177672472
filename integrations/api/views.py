"""The partner REST API: integrations of the shops a partner looks after, their runs and records."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ..domain.errors import CATALOG
from ..models import SyncRecord, SyncRun
from ..retries import open_failures, retry
from .permissions import visible_integrations
from .serializers import IntegrationSerializer, RetrySerializer, SyncRecordSerializer, SyncRunSerializer


class IntegrationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IntegrationSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return visible_integrations(self.request.user).select_related("organization").prefetch_related("flows")


class IntegrationScoped:
    """Views under /integrations/<slug>/: the integration must be visible to the caller."""

    def integration(self):
        return get_object_or_404(visible_integrations(self.request.user), slug=self.kwargs["integration_slug"])


class SyncRunViewSet(IntegrationScoped, viewsets.ReadOnlyModelViewSet):
    serializer_class = SyncRunSerializer
    filterset_fields = ["status", "trigger", "flow__kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema asks with no integration
            return SyncRun.objects.none()
        return SyncRun.objects.filter(flow__integration=self.integration()).select_related("flow")


class SyncRecordFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(method="filter_open", label="Only the latest attempt of failed records")

    class Meta:
        model = SyncRecord
        fields = ["status", "error_code", "object_type", "source_id", "run", "dead"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(superseded=False, status="failed") if value else queryset


class SyncRecordViewSet(IntegrationScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    serializer_class = SyncRecordSerializer
    filterset_class = SyncRecordFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema asks with no integration
            return SyncRecord.objects.none()
        return SyncRecord.objects.filter(integration=self.integration())

    @action(detail=False, methods=["post"])
    def retry(self, request, integration_slug=None):
        """Retry open failures by ids, by error code or by run (all of them matching)."""
        params = RetrySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        records = open_failures().filter(integration=self.integration())
        if "ids" in params.validated_data:
            records = records.filter(pk__in=params.validated_data["ids"])
        if "error_code" in params.validated_data:
            records = records.filter(error_code=params.validated_data["error_code"])
        if "run" in params.validated_data:
            records = records.filter(run_id=params.validated_data["run"])
        return Response({"queued": retry(records, user=request.user)})


class ErrorCatalogView(APIView):
    @extend_schema(responses=inline_serializer("ErrorCatalogEntry", {
        "code": serializers.CharField(), "title": serializers.CharField(),
        "advice": serializers.CharField(), "retryable": serializers.BooleanField(),
    }, many=True))
    def get(self, request):
        return Response([
            {"code": e.code, "title": e.title, "advice": e.advice, "retryable": e.retryable}
            for e in CATALOG.values()
        ])
