"""Setting a shop up: organizations (and inviting their owner), connections (credentials
write-only, checked live; OAuth2 systems connected through a consent link), integrations."""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import reconnect
from ..connectors.urlsafety import url_problem
from ..domain.registry import descriptor, kind_choices
from ..models import Connection, Organization
from ..services import organizations, setup
from ..services.runs import check_now
from .base import ID_PATTERN, PartnerApiView
from .errors import conflict, refused
from .fields import ScopedSlugField
from .oauth import consent_link
from .pagination import IdCursorPagination
from .permissions import partner_of, visible_organizations

MessageSerializer = inline_serializer("Message", {"message": serializers.CharField()})


# --- organizations ------------------------------------------------------------------------------


class OrganizationSerializer(serializers.ModelSerializer):
    owner_email = serializers.EmailField(write_only=True, required=False,
                                         help_text="Invite this person as the shop's owner (an e-mail is sent).")

    class Meta:
        model = Organization
        fields = ["slug", "name", "contact_email", "created_at", "owner_email"]
        read_only_fields = ["created_at"]


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField()


class OrganizationViewSet(PartnerApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The shops you look after."""

    serializer_class = OrganizationSerializer
    pagination_class = IdCursorPagination
    lookup_field = "slug"
    filterset_fields = ["slug", "name"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return visible_organizations(self.request)

    @extend_schema(examples=[OpenApiExample("A new shop", request_only=True, value={
        "name": "Nordic Wear", "slug": "nordic-wear", "contact_email": "it@nordicwear.example",
        "owner_email": "anna@nordicwear.example"})])
    def create(self, request):
        partner = partner_of(request)
        if partner is None:
            raise refused("You act for no partner: shops are created by a partner's key.", "no_partner")
        params = self.get_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        owner = data.pop("owner_email", None)
        try:
            with transaction.atomic():
                organization = organizations.create_organization(partner, user=request.user, **data)
        except IntegrityError:
            raise conflict(f"The slug {data['slug']!r} is taken: choose another.") from None
        if owner:
            organizations.invite_owner(organization, owner, user=request.user)
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InviteSerializer, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def invite(self, request, slug=None):
        """Invite a person as owner of the shop: they get an e-mail to set their password."""
        organization = self.get_object()
        params = InviteSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        organizations.invite_owner(organization, params.validated_data["email"], user=request.user)
        return Response({"message": f"Invited {params.validated_data['email']} as owner of {organization.name}."})


# --- connections ---------------------------------------------------------------------------------


class ConnectionSerializer(serializers.ModelSerializer):
    organization = ScopedSlugField(visible_organizations, "organization")
    kind = serializers.ChoiceField(choices=[], help_text="A registered system: see GET /api/v1/systems/.")
    system = serializers.SerializerMethodField()
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=False, max_length=2000), write_only=True, required=False,
        help_text="Write-only: the system's credential fields (GET /api/v1/systems/). Never returned.")
    credentials_set = serializers.SerializerMethodField(help_text="Which credentials are stored (never their values).")
    base_url = serializers.URLField(required=False, max_length=200)
    auth_url = serializers.URLField(required=False, allow_blank=True, max_length=200)
    settings = serializers.DictField(required=False)

    class Meta:
        model = Connection
        fields = ["id", "organization", "name", "kind", "system", "base_url", "auth_url", "settings", "credentials",
                  "credentials_set", "health", "health_message", "last_checked_at", "created_at"]
        read_only_fields = ["health", "health_message", "last_checked_at", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()
        if self.instance is not None and not isinstance(self.instance, list):
            self.fields["organization"].read_only = True
            self.fields["kind"].read_only = True

    def get_system(self, connection) -> dict:
        system = connection.system
        return {"label": system.label, "role": system.role, "auth": system.auth}

    def get_credentials_set(self, connection) -> list[str]:
        return sorted(name for name, value in connection.credentials.items() if value)

    def validate(self, attrs):
        kind = attrs.get("kind") or self.instance.kind
        system = descriptor(kind)
        known = {field.name for field in system.credentials}
        foreign = sorted(set(attrs.get("credentials", {})) - known)
        if foreign:
            raise serializers.ValidationError({"credentials": [
                f"A {system.label} connection has no {', '.join(foreign)}; it takes {', '.join(sorted(known))}."]})
        if self.instance is None:
            attrs.setdefault("base_url", system.default_base_url)
            attrs.setdefault("auth_url", system.default_auth_url)
            if not attrs["base_url"]:
                raise serializers.ValidationError({"base_url": [f"Give the {system.label} API's address."]})
        for name in ("base_url", "auth_url"):
            problem = url_problem(attrs[name]) if attrs.get(name) else None
            if problem:
                raise serializers.ValidationError({name: [problem]})
        return attrs


class ConnectionViewSet(PartnerApiView, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                        mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Connections to the shops' systems. Credentials are write-only and checked live before they are kept."""

    serializer_class = ConnectionSerializer
    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN
    filterset_fields = ["organization__slug", "kind", "health"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Connection.objects.filter(organization__in=visible_organizations(self.request)) \
            .select_related("organization")

    @extend_schema(examples=[OpenApiExample("Centra", request_only=True, value={
        "organization": "nordic-wear", "name": "Centra", "kind": "centra", "base_url": "https://nordicwear.centra.com",
        "credentials": {"api_token": "…", "webhook_secret": "…"}})])
    def create(self, request):
        """Checked live (token systems): refused with the system's own message, nothing kept. An OAuth2
        system (Fortnox) is kept, then connected through POST /connections/{id}/oauth/."""
        params = self.get_serializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        if Connection.objects.filter(organization=data["organization"], name=data["name"]).exists():
            raise conflict(f"The shop already has a connection named {data['name']!r}: choose another name.")
        try:  # no transaction held across the live check (the system may be slow to answer)
            connection, message = setup.create_connection(data.pop("organization"), user=request.user, **data)
        except setup.ConnectionRefused as exc:
            raise refused(str(exc), "connection_refused", {"credentials": [str(exc)]}) from exc
        return Response({**ConnectionSerializer(connection).data, "message": message}, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        connection = self.get_object()
        params = self.get_serializer(connection, data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        if "name" in data and Connection.objects.filter(organization=connection.organization_id, name=data["name"]) \
                .exclude(pk=connection.pk).exists():
            raise conflict(f"The shop already has a connection named {data['name']!r}: choose another name.")
        try:
            message = setup.update_connection(connection, credentials=data.pop("credentials", None),
                                              user=request.user, **data)
        except setup.ConnectionRefused as exc:
            raise refused(f"{exc} Nothing was changed.", "connection_refused", {"credentials": [str(exc)]}) from exc
        return Response({**ConnectionSerializer(connection).data, "message": message})

    @extend_schema(request=None, responses=inline_serializer("ConnectionCheck", {
        "healthy": serializers.BooleanField(), "message": serializers.CharField()}))
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Call the system now and record its health."""
        healthy, message = check_now(self.get_object(), user=request.user)
        return Response({"healthy": healthy, "message": message})

    @extend_schema(request=None, responses=inline_serializer("ConsentLink", {
        "url": serializers.URLField(), "expires_in": serializers.IntegerField(),
        "message": serializers.CharField()}))
    @action(detail=True, methods=["post"])
    def oauth(self, request, pk=None):
        """The consent link of an OAuth2 system (Fortnox): send it to the shop owner, who approves access."""
        connection = self.get_object()
        try:
            url = consent_link(connection)
        except reconnect.ReconnectFailed as failed:
            raise refused(failed.message, "oauth_not_possible") from failed
        return Response({"url": url, "expires_in": reconnect.STATE_TTL_SECONDS, "message": (
            f"Open this link as the {connection.system.label} user who may approve access, within "
            f"{reconnect.STATE_TTL_SECONDS // 60} minutes; the connection turns healthy when they approve.")})


class SystemsView(PartnerApiView, viewsets.ViewSet):
    """The systems you can connect, with the credential fields each takes (from the connector registry)."""

    @extend_schema(responses=inline_serializer("System", {
        "kind": serializers.CharField(), "label": serializers.CharField(), "role": serializers.CharField(),
        "auth": serializers.CharField(), "default_base_url": serializers.CharField(),
        "credentials": serializers.ListField(child=serializers.DictField())}, many=True))
    def list(self, request):
        return Response([{
            "kind": kind, "label": system.label, "role": system.role, "auth": system.auth,
            "default_base_url": system.default_base_url,
            "credentials": [{"name": c.name, "label": f"{system.label} {c.label}", "secret": c.secret,
                             "required": c.required, "help_text": c.help_text} for c in system.credentials],
        } for kind, system in ((kind, descriptor(kind)) for kind, _ in kind_choices())])
