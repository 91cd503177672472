"""API keys of the caller's partner: list, make (the key is in the answer once), revoke."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..models import ApiKey
from ..services import api_keys
from .base import ID_PATTERN, PartnerApiView
from .errors import refused
from .pagination import IdCursorPagination
from .permissions import partner_of


class ApiKeySerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text="active, expired or revoked")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scope", "state", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]


class NewApiKeySerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The key itself. Shown this once: store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class ApiKeyViewSet(PartnerApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your partner's API keys (never the keys themselves: only their prefixes)."""

    serializer_class = ApiKeySerializer
    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        partner = partner_of(self.request)
        return ApiKey.objects.filter(partner=partner) if partner else ApiKey.objects.none()

    @extend_schema(request=ApiKeySerializer, responses={201: NewApiKeySerializer}, examples=[
        OpenApiExample("A read-write key for scripts", request_only=True,
                       value={"name": "Deploy scripts", "scope": "read_write", "expires_at": "2027-01-01T00:00:00Z"})])
    def create(self, request):
        """Make a key for your partner. The answer holds the key once; only its prefix is kept readable."""
        partner = partner_of(request)
        if partner is None:
            raise refused("You act for no partner: keys belong to a partner (agency).", "no_partner")
        params = ApiKeySerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            issued = api_keys.issue(partner, name=params.validated_data["name"],
                                    scope=params.validated_data.get("scope", ApiKey.Scope.READ),
                                    expires_at=params.validated_data.get("expires_at"), user=request.user)
        except ValueError as exc:
            raise refused(str(exc), "invalid", {"expires_at": [str(exc)]}) from exc
        answer = NewApiKeySerializer(issued.api_key).data
        answer["key"] = issued.key
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Stop a key working at once (also the key you call with)."""
        key = self.get_object()
        api_keys.revoke(key, user=request.user)
        return Response(ApiKeySerializer(key).data)
