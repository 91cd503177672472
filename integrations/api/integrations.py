"""Integrations and their flows: create a draft, go live, pause/resume, webhook info; flows'
options (with ETag/If-Match), run now, export one, backfill from a date."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import webhooks
from ..models import Connection, Flow, Integration
from ..services import golive, runs, setup, test_sync
from .base import PartnerApiView, check_if_match, with_etag
from .errors import conflict, refused
from .fields import ScopedIdField, ScopedSlugField
from .pagination import IdCursorPagination
from .permissions import visible_integrations, visible_organizations
from .serializers import FlowSerializer, IntegrationSerializer


def visible_connections(request):
    return Connection.objects.filter(organization__in=visible_organizations(request))


class IntegrationCreateSerializer(serializers.Serializer):
    organization = ScopedSlugField(visible_organizations, "organization")
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=50)
    source = ScopedIdField(visible_connections, "connection")
    target = ScopedIdField(visible_connections, "connection")
    flows = serializers.ListField(child=serializers.ChoiceField(choices=Flow.Kind.choices), default=["orders"],
                                  help_text="Flows to switch on (their preset mappings are installed).")

    def validate(self, attrs):
        organization = attrs["organization"]
        for side, role in (("source", "source"), ("target", "erp")):
            connection = attrs[side]
            if connection.organization_id != organization.pk:
                raise serializers.ValidationError({side: [f"Connection {connection.pk} belongs to another shop."]})
            if connection.system.role != role:
                raise serializers.ValidationError({side: [f"The {side} is a {role} system; {connection} is not."]})
        return attrs


class GoLiveSerializer(serializers.Serializer):
    sync_from = serializers.DateTimeField(required=False, allow_null=True,
                                          help_text="Orders placed before this are never synced.")
    backfill_from = serializers.DateTimeField(required=False, allow_null=True,
                                              help_text="Flows start reading here (default: now).")


MessageSerializer = inline_serializer("ActionDone", {"message": serializers.CharField()})
EXPORT_ONE = inline_serializer("ExportOne", {"reference": serializers.CharField(
    max_length=64, help_text="A Centra order number, shipment number or return id (R315).")})
WEBHOOK_INFO = inline_serializer("WebhookInfo", {"url": serializers.URLField(), "message": serializers.CharField()})


class IntegrationViewSet(PartnerApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Your shops' integrations: from a draft to live, and what they do now."""

    serializer_class = IntegrationSerializer
    pagination_class = IdCursorPagination
    lookup_field = "slug"
    filterset_fields = ["organization__slug", "status"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return visible_integrations(self.request).select_related("organization").prefetch_related("flows")

    @extend_schema(request=IntegrationCreateSerializer, responses={201: IntegrationSerializer}, examples=[
        OpenApiExample("A draft", request_only=True, value={"organization": "nordic-wear", "name": "Centra → Fortnox",
                                                             "slug": "nordic-wear", "source": 12, "target": 13,
                                                             "flows": ["orders", "refunds"]})])
    def create(self, request):
        """A draft integration: every flow kind exists, those asked for are on with their preset mappings."""
        params = IntegrationCreateSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        try:
            integration = setup.create_integration(data.pop("organization"), user=request.user, **data)
        except IntegrityError:
            raise conflict(f"The slug {data['slug']!r} is taken: choose another.") from None
        except DjangoValidationError as exc:
            raise refused("A flow cannot be switched on yet.", "invalid", exc.message_dict) from exc
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("IntegrationRename", {"name": serializers.CharField(max_length=200)}))
    def partial_update(self, request, slug=None):
        integration = self.get_object()
        name = serializers.CharField(max_length=200).run_validation(request.data.get("name"))
        Integration.objects.filter(pk=integration.pk).update(name=name)
        integration.name = name
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(request=GoLiveSerializer, responses=inline_serializer("WentLive", {
        "message": serializers.CharField(), "flows": serializers.ListField(child=serializers.CharField())}))
    @action(detail=True, methods=["post"], url_path="go-live")
    def go_live(self, request, slug=None):
        """Go live: refused (400, `problems`) while something blocks it, each problem saying what to fix."""
        integration = self.get_object()
        params = GoLiveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            went = golive.go_live(integration, user=request.user, **{k: v for k, v in params.validated_data.items()
                                                                       if v is not None})
        except golive.GoLiveRefused as exc:
            raise refused("Not live yet: " + " ".join(exc.problems), "go_live_refused",
                          {"problems": exc.problems}) from exc
        return Response({"message": f"{integration} is live; first syncs queued for {', '.join(went.flows)}.",
                         "flows": went.flows})

    @extend_schema(responses=inline_serializer("GoLiveProblems", {
        "problems": serializers.ListField(child=serializers.CharField())}))
    @action(detail=True, methods=["get"], url_path="go-live/problems")
    def go_live_problems(self, request, slug=None):
        """What blocks going live (connections are checked live)."""
        return Response({"problems": golive.problems(self.get_object())})

    @extend_schema(request=None, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, slug=None):
        return self._pause(request, True)

    @extend_schema(request=None, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, slug=None):
        return self._pause(request, False)

    def _pause(self, request, paused: bool):
        integration = self.get_object()
        try:
            runs.set_integration_paused(integration, paused, user=request.user)
        except ValueError as exc:
            raise refused(str(exc), "not_live") from exc
        return Response({"message": f"{'Paused' if paused else 'Resumed'} {integration}."})

    @extend_schema(request=EXPORT_ONE, responses={202: inline_serializer("TestSyncQueued", {
        "message": serializers.CharField(), "queued": serializers.IntegerField()})},
        examples=[OpenApiExample("A shipment", request_only=True, value={"reference": "10001-1"})])
    @action(detail=True, methods=["post"], url_path="test-sync")
    def test_sync(self, request, slug=None):
        """A draft's test sync: the order ("10001"), shipment ("10001-1") or return ("R315") named is
        synced for real (its documents are created in the ERP) and nothing else is read, as in Get
        Started; follow it in GET runs/?trigger=wizard and records/. A live integration uses export/."""
        integration = self.get_object()
        reference = serializers.CharField(max_length=64).run_validation(request.data.get("reference"))
        if integration.status != Integration.Status.DRAFT:
            raise refused(f"{integration} is live: sync one order, shipment or return with POST export/.", "not_draft")
        try:
            plan = test_sync.start_reference(integration, reference, user=request.user)
        except ValueError as exc:  # runs.NothingToExport included
            raise refused(str(exc), "nothing_to_export", {"reference": [str(exc)]}) from exc
        return Response({"message": f"Test sync queued: {', '.join(plan.described)}.", "queued": plan.count},
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=EXPORT_ONE,
                   responses=inline_serializer("ExportQueued", {"message": serializers.CharField(),
                                                                "queued": serializers.IntegerField()}),
                   examples=[OpenApiExample("A shipment", request_only=True, value={"reference": "10001-1"})])
    @action(detail=True, methods=["post"])
    def export(self, request, slug=None):
        """Sync one Centra order ("10001"), shipment ("10001-2") or return ("R315") now (a live
        integration; a draft's are synced with POST test-sync/)."""
        integration = self.get_object()
        reference = serializers.CharField(max_length=64).run_validation(request.data.get("reference"))
        if integration.status == Integration.Status.DRAFT:
            raise refused(f"{integration} is a draft: its flows do not run yet. Sync chosen records with POST "
                          "test-sync/, or go live first.", "not_live")
        try:
            plan = runs.export_one(integration, reference, user=request.user)
        except runs.NothingToExport as exc:
            raise refused(str(exc), "nothing_to_export", {"reference": [str(exc)]}) from exc
        return Response({"message": f"Queued {', '.join(plan.described)}.", "queued": plan.count})

    @extend_schema(responses=WEBHOOK_INFO)
    @action(detail=True, methods=["get"])
    def webhook(self, request, slug=None):
        """The URL to register in Centra for this integration's webhooks (it carries its secret token)."""
        return Response({"url": webhooks.webhook_url(self.get_object()),
                         "message": "Register this URL in Centra's webhook plugin."})

    @extend_schema(request=None, responses=WEBHOOK_INFO)
    @action(detail=True, methods=["post"], url_path="webhook/rotate")
    def rotate_webhook(self, request, slug=None):
        """A new secret token: the old URL stops working at once; register the new one in Centra."""
        url = webhooks.regenerate_token(self.get_object(), user=request.user)
        return Response({"url": url, "message": "New webhook URL: the old one no longer works. Update it in Centra."})


class FlowOptionsSerializer(FlowSerializer):
    class Meta(FlowSerializer.Meta):
        fields = [*FlowSerializer.Meta.fields, "options"]
        read_only_fields = ["kind"]


class FlowViewSet(PartnerApiView, viewsets.GenericViewSet):
    """One integration's flows, by kind. Changing one needs If-Match with the ETag of its GET."""

    serializer_class = FlowOptionsSerializer
    lookup_field = "kind"
    lookup_value_regex = "[a-z]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Flow.objects.none()
        return Flow.objects.filter(integration=self.integration())

    def list(self, request, integration_slug=None):
        return Response(FlowOptionsSerializer(self.get_queryset(), many=True).data)

    def retrieve(self, request, integration_slug=None, kind=None):
        return with_etag(FlowOptionsSerializer(self.get_object()).data)

    @extend_schema(parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)])
    def partial_update(self, request, integration_slug=None, kind=None):
        """Switch on/off (checked: required fields mapped), trigger, schedule, batch size, options."""
        flow = self.get_object()
        check_if_match(request, FlowOptionsSerializer(flow).data)
        params = FlowOptionsSerializer(flow, data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        enabled = data.pop("enabled", None)
        for name, value in data.items():
            setattr(flow, name, value)
        try:
            flow.full_clean(exclude=["integration", "cursor"])
        except DjangoValidationError as exc:
            raise refused("The flow's settings are not right.", "invalid", exc.message_dict) from exc
        if data:
            flow.save(update_fields=list(data))
        if enabled is not None and enabled != flow.enabled:
            try:
                runs.set_flow_enabled(flow, enabled, user=request.user)
            except DjangoValidationError as exc:
                raise refused(" ".join(exc.messages), "invalid", exc.message_dict) from exc
        return with_etag(FlowOptionsSerializer(flow).data)

    @extend_schema(request=None, responses=inline_serializer("RunQueued", {"message": serializers.CharField(),
                                                                           "task": serializers.CharField()}))
    @action(detail=True, methods=["post"])
    def run(self, request, integration_slug=None, kind=None):
        """Run the flow now (queued; follow it in GET runs/)."""
        flow = self.get_object()
        task = runs.run_now(flow, user=request.user)
        return Response({"message": f"Queued a run of the {flow.kind} flow.", "task": str(task)},
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=inline_serializer("Backfill", {"since": serializers.DateTimeField()}),
        responses=inline_serializer("BackfillQueued", {"message": serializers.CharField(),
                                                       "records": serializers.IntegerField()}),
        examples=[OpenApiExample("Since May", request_only=True, value={"since": "2026-05-01T00:00:00Z"})])
    @action(detail=True, methods=["post"])
    def backfill(self, request, integration_slug=None, kind=None):
        """Export many: read everything since a date again (records already synced are skipped)."""
        flow = self.get_object()
        since = serializers.DateTimeField().run_validation(request.data.get("since"))
        if flow.kind not in runs.BACKFILLABLE:
            raise refused(f"The {flow.kind} flow has no date range to go back over.", "invalid",
                          {"since": ["This flow cannot be backfilled."]})
        count = runs.backfill_count(flow, since)
        try:
            runs.export_many(flow, since, user=request.user)
        except ValueError as exc:
            raise refused(str(exc), "invalid", {"since": [str(exc)]}) from exc
        return Response({"message": f"Backfill of the {flow.kind} flow from {since:%Y-%m-%d %H:%M} queued: "
                                    f"{count} record(s) to read.", "records": count},
                        status=status.HTTP_202_ACCEPTED)

