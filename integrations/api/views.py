"""Runs and records of one integration; open failures, alerts and reconciliation reports across all
the caller's shops; the error catalog. Retry and resolve go through `services.failures`."""

from datetime import UTC

import django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from ..domain.errors import CATALOG
from ..models import Alert, Flow, ReconciliationReport, SyncRecord, SyncRun
from ..selectors.records import SEARCH_HELP, search_records
from ..services import failures
from .base import ID_PATTERN, PartnerApiView
from .errors import not_found, refused
from .pagination import IdCursorPagination
from .permissions import visible_integrations
from .serializers import (
    MAX_ID,
    AlertSerializer,
    ReconciliationReportSerializer,
    ResolveSerializer,
    RetryQueuedSerializer,
    RetrySerializer,
    SyncRecordDetailSerializer,
    SyncRecordSerializer,
    SyncRunSerializer,
)


class MomentFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC: any offset a caller writes (+16:46 included, which
    PostgreSQL cannot store) is the same instant in UTC."""

    def filter(self, qs, value):
        if value is None or value.tzinfo is None:
            return super().filter(qs, value)
        try:
            return super().filter(qs, value.astimezone(UTC))
        except OverflowError:  # before year 1 in UTC: every record is after it, none before it
            return qs if self.lookup_expr.startswith("gt") else qs.none()


class RunFilter(django_filters.FilterSet):
    flow = django_filters.ChoiceFilter(field_name="flow__kind", choices=Flow.Kind.choices)
    started_after = MomentFilter(field_name="started_at", lookup_expr="gte")
    started_before = MomentFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = SyncRun
        fields = ["status", "trigger", "flow", "started_after", "started_before"]


@extend_schema_view(list=extend_schema(description="Runs, newest first; a running one shows its progress so far."))
class SyncRunViewSet(PartnerApiView, viewsets.ReadOnlyModelViewSet):
    """Runs of the integration's flows: counts, outcome, and progress while running."""

    serializer_class = SyncRunSerializer
    filterset_class = RunFilter
    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SyncRun.objects.none()
        return SyncRun.objects.filter(flow__integration=self.integration()).select_related("flow")


class RecordFilter(django_filters.FilterSet):
    open = django_filters.BooleanFilter(method="filter_open", label="Only open failures (latest attempt failed, "
                                                                    "not resolved)")
    flow = django_filters.ChoiceFilter(field_name="run__flow__kind", choices=Flow.Kind.choices)
    run = django_filters.NumberFilter(method="filter_run", label="A run id of this integration")
    created_after = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_before = MomentFilter(field_name="created_at", lookup_expr="lt")
    search = django_filters.CharFilter(method="filter_search", max_length=200, label=SEARCH_HELP)

    class Meta:
        model = SyncRecord
        fields = ["status", "error_code", "object_type", "flow", "run", "dead", "open", "created_after",
                  "created_before", "search"]

    def filter_open(self, queryset, name, value):
        return queryset.open_failures() if value else queryset.exclude(pk__in=queryset.open_failures())

    def filter_run(self, queryset, name, value):
        """A run of another shop is answered like one that does not exist: 404."""
        if value != int(value) or not 1 <= value <= MAX_ID or not SyncRun.objects.filter(
                pk=int(value), flow__integration_id=self.request.parser_context["view"].integration().pk).exists():
            raise not_found(f"No run {value} in this integration.")
        return queryset.filter(run_id=int(value))

    def filter_search(self, queryset, name, value):
        """The console's and /app/'s search (exact, indexed): one number finds the same records everywhere."""
        return search_records(queryset, value)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter(
    "include", str, enum=["bodies"], description="bodies: each record with what was sent and answered (redacted).")]))
class SyncRecordViewSet(PartnerApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What happened to each source record. The detail carries what we sent and what we got back
    (secrets redacted); lists carry them with `?include=bodies`."""

    filterset_class = RecordFilter
    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN
    query_params_allowed = {"include"}

    def get_serializer_class(self):
        if self.action == "retrieve" or self.request.query_params.get("include") == "bodies":
            return SyncRecordDetailSerializer
        return SyncRecordSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SyncRecord.objects.none()
        include = self.request.query_params.get("include")
        if include not in (None, "bodies"):
            raise refused("include takes one value: bodies.", "invalid", {"include": ["Only 'bodies'."]})
        return SyncRecord.objects.filter(integration=self.integration()).select_related("run__flow")

    def chosen(self, params):
        """Open failures of this integration matching every criterion given; ids that are not this
        integration's records are not found (404), whether they exist elsewhere or not."""
        records = SyncRecord.objects.filter(integration=self.integration())
        if "ids" in params:
            ids = set(params["ids"])
            missing = ids - set(records.filter(pk__in=ids).values_list("pk", flat=True))
            if missing:
                raise not_found(f"No record {', '.join(map(str, sorted(missing)))} in this integration.")
            records = records.filter(pk__in=ids)
        if "error_code" in params:
            records = records.filter(error_code=params["error_code"])
        if "run" in params:
            records = records.filter(run=params["run"])
        return records.open_failures()

    @extend_schema(request=RetrySerializer, responses=RetryQueuedSerializer, examples=[
        OpenApiExample("By ids", request_only=True, value={"ids": [1042, 1043]}),
        OpenApiExample("Queued", response_only=True, value={"queued": 2, "message": "Queued 2 failed record(s)."})])
    @action(detail=False, methods=["post"])
    def retry(self, request, integration_slug=None):
        """Retry open failures by ids, error code or run (all given criteria must match)."""
        params = RetrySerializer(data=request.data, context={"integration": self.integration()})
        params.is_valid(raise_exception=True)
        count = failures.retry(self.chosen(params.validated_data), user=request.user)
        return Response({"queued": count, "message": f"Queued {count} failed record(s) for a retry."})

    @extend_schema(request=ResolveSerializer, responses=inline_serializer("Resolved", {
        "resolved": serializers.IntegerField(), "message": serializers.CharField()}))
    @action(detail=False, methods=["post"])
    def resolve(self, request, integration_slug=None):
        """Close open failures by hand with a reason (resolved elsewhere, or to be ignored)."""
        params = ResolveSerializer(data=request.data, context={"integration": self.integration()})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        count = failures.resolve(self.chosen(data), reason=data["reason"], user=request.user,
                                 resolution=data["resolution"])
        return Response({"resolved": count, "message": f"Marked {count} failed record(s) {data['resolution']}."})


class AcrossShops(PartnerApiView):
    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN


class OpenFailureFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="integration__organization__slug")
    integration = django_filters.CharFilter(field_name="integration__slug")

    class Meta:
        model = SyncRecord
        fields = ["organization", "integration", "error_code", "object_type", "dead"]


class OpenFailureViewSet(AcrossShops, mixins.ListModelMixin, viewsets.GenericViewSet):
    """What is broken for your customers: every open failure in every shop you look after."""

    serializer_class = SyncRecordSerializer
    filterset_class = OpenFailureFilter

    def get_queryset(self):
        return SyncRecord.objects.open_failures().filter(integration__in=visible_integrations(self.request)) \
            .select_related("run__flow", "integration")


class AlertFilter(django_filters.FilterSet):
    integration = django_filters.CharFilter(field_name="integration__slug")
    open = django_filters.BooleanFilter(field_name="resolved_at", lookup_expr="isnull")

    class Meta:
        model = Alert
        fields = ["integration", "kind", "open"]


class AlertViewSet(AcrossShops, viewsets.ReadOnlyModelViewSet):
    """Alerts of your shops: what needs a person's attention (open ones until resolved)."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return Alert.objects.filter(integration__in=visible_integrations(self.request)).select_related("integration")


class ReportFilter(django_filters.FilterSet):
    integration = django_filters.CharFilter(field_name="integration__slug")
    day_from = django_filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = django_filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = ReconciliationReport
        fields = ["integration", "day_from", "day_to"]


class ReconciliationReportViewSet(AcrossShops, viewsets.ReadOnlyModelViewSet):
    """Daily reconciliation: what Centra shipped and refunded against the ERP's documents, per shop and day."""

    serializer_class = ReconciliationReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        return ReconciliationReport.objects.filter(integration__in=visible_integrations(self.request)) \
            .select_related("integration")


class ErrorCatalogView(PartnerApiView, APIView):
    """The error catalog."""

    @extend_schema(responses=inline_serializer("ErrorCatalogEntry", {
        "code": serializers.CharField(), "title": serializers.CharField(),
        "advice": serializers.CharField(), "retryable": serializers.BooleanField(),
    }, many=True))
    def get(self, request):
        """Every error code a record or run can carry, what it means and what to do about it."""
        return Response([
            {"code": e.code, "title": e.title, "advice": e.advice, "retryable": e.retryable}
            for e in CATALOG.values()
        ])
