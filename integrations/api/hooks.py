"""Webhooks a partner registers: signed POSTs when something breaks in its shops, with the log of
every delivery. The signing secret is shown when registered and when rotated, never otherwise."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..connectors.urlsafety import url_problem
from ..models import PartnerWebhook, PartnerWebhookDelivery
from ..services import partner_webhooks
from .base import ID_PATTERN, PartnerApiView
from .errors import refused
from .pagination import IdCursorPagination
from .permissions import partner_of


class PartnerWebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=PartnerWebhook.Event.choices),
                                   required=False, help_text="Empty or left out: every event.")

    class Meta:
        model = PartnerWebhook
        fields = ["id", "url", "events", "active", "created_at"]
        read_only_fields = ["created_at"]

    def validate_url(self, url):
        problem = url_problem(url)
        if problem:
            raise serializers.ValidationError(problem)
        return url


class WebhookSecretSerializer(PartnerWebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="Signs every delivery. Shown this once: store it now.")

    class Meta(PartnerWebhookSerializer.Meta):
        fields = [*PartnerWebhookSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerWebhookDelivery
        fields = ["id", "event", "event_id", "status", "attempts", "last_status_code", "last_error", "next_attempt_at",
                  "created_at", "delivered_at", "payload"]


class PartnerWebhookViewSet(PartnerApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your webhooks: signed POSTs for run.failed, record.failed, connection.unhealthy and alert.opened."""

    serializer_class = PartnerWebhookSerializer
    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    list_actions = {"list", "deliveries"}

    def get_queryset(self):
        partner = partner_of(self.request)
        return PartnerWebhook.objects.filter(partner=partner) if partner else PartnerWebhook.objects.none()

    @extend_schema(responses={201: WebhookSecretSerializer}, examples=[OpenApiExample(
        "Failures only", request_only=True,
        value={"url": "https://hooks.agency.example/junipeer", "events": ["record.failed", "run.failed"]})])
    def create(self, request):
        """Register a URL; the answer carries the signing secret once."""
        partner = partner_of(request)
        if partner is None:
            raise refused("You act for no partner: webhooks belong to a partner (agency).", "no_partner")
        params = PartnerWebhookSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        webhook, secret = partner_webhooks.register(partner, url=params.validated_data["url"],
                                                    events=params.validated_data.get("events", []), user=request.user)
        return Response({**WebhookSecretSerializer(webhook).data, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=WebhookSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """A new signing secret at once; the old one stops signing."""
        webhook = self.get_object()
        secret = partner_webhooks.rotate_secret(webhook, user=request.user)
        return Response({**WebhookSecretSerializer(webhook).data, "secret": secret})

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """Every delivery to this webhook, newest first: status, tries, the last answer."""
        page = self.paginate_queryset(PartnerWebhookDelivery.objects.filter(webhook=self.get_object()))
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
