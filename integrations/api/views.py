"""The partner REST API: integrations of the shops a partner looks after, their runs and records."""

import django_filters
from django import forms
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ..domain.errors import CATALOG
from ..models import SyncRecord, SyncRun
from ..retries import open_failures, retry
from .permissions import visible_integrations
from .serializers import (
    MAX_ID,
    NO_SUCH_RUN,
    IntegrationSerializer,
    RetryQueuedSerializer,
    RetrySerializer,
    SyncRecordSerializer,
    SyncRunSerializer,
)


class IntegrationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = IntegrationSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return visible_integrations(self.request.user).select_related("organization").prefetch_related("flows")


class IntegrationScoped:
    """Views under /integrations/<slug>/: the integration must be visible to the caller."""

    def integration(self):
        """The integration in the URL, looked up once per request (the queryset and the run filter
        both ask)."""
        if not hasattr(self, "_integration"):
            self._integration = get_object_or_404(visible_integrations(self.request.user),
                                                  slug=self.kwargs["integration_slug"])
        return self._integration


# Ids are whole numbers within the database's range; any other id is "not found" (404) like an
# unknown one. Published in the schema so clients (and the API fuzz test) know the bounds.
DATABASE_ID = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
ID_IN_PATH = extend_schema(parameters=[OpenApiParameter("id", DATABASE_ID, OpenApiParameter.PATH)])


@extend_schema_view(retrieve=ID_IN_PATH)
class SyncRunViewSet(IntegrationScoped, viewsets.ReadOnlyModelViewSet):
    serializer_class = SyncRunSerializer
    filterset_fields = ["status", "trigger", "flow__kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema asks with no integration
            return SyncRun.objects.none()
        return SyncRun.objects.filter(flow__integration=self.integration()).select_related("flow")


class RunChoiceField(forms.ModelChoiceField):
    """A run id within the database's id range, then one of the choices (the integration's runs)."""

    default_error_messages = {"invalid_choice": NO_SUCH_RUN}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return super().to_python(forms.IntegerField(min_value=1, max_value=MAX_ID).clean(value))


@extend_schema_field({**DATABASE_ID, "description": "A run id of this integration."})
class RunFilter(django_filters.ModelChoiceFilter):
    field_class = RunChoiceField


def runs_in_url(request):
    """The runs of the integration in the URL: any other run id, unknown or of a shop the caller
    cannot see, is the same "no such run" (400), so no id leaks across partners."""
    view = request.parser_context["view"] if request is not None else None
    if view is None or getattr(view, "swagger_fake_view", False):  # the OpenAPI schema asks with no integration
        return SyncRun.objects.none()
    return SyncRun.objects.filter(flow__integration=view.integration())


class SyncRecordFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(method="filter_open", label="Only the latest attempt of failed records")
    run = RunFilter(queryset=runs_in_url, label="A run id of this integration")

    class Meta:
        model = SyncRecord
        fields = ["status", "error_code", "object_type", "source_id", "run", "dead"]

    def filter_open(self, queryset, name, value):
        return queryset.open_failures() if value else queryset


@extend_schema_view(retrieve=ID_IN_PATH)
class SyncRecordViewSet(IntegrationScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    serializer_class = SyncRecordSerializer
    filterset_class = SyncRecordFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema asks with no integration
            return SyncRecord.objects.none()
        return SyncRecord.objects.filter(integration=self.integration())

    @extend_schema(request=RetrySerializer, responses=RetryQueuedSerializer)
    @action(detail=False, methods=["post"])
    def retry(self, request, integration_slug=None):
        """Retry open failures by ids, by error code or by run (all of them matching)."""
        params = RetrySerializer(data=request.data, context={"integration": self.integration()})
        params.is_valid(raise_exception=True)
        records = open_failures().filter(integration=self.integration())
        if "ids" in params.validated_data:
            records = records.filter(pk__in=params.validated_data["ids"])
        if "error_code" in params.validated_data:
            records = records.filter(error_code=params.validated_data["error_code"])
        if "run" in params.validated_data:
            records = records.filter(run=params.validated_data["run"])
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
