"""An integration's mappings, value maps, OSS accounts and bookkeeping settings. Bookkeeping is one
settings document, the others rows; changing either needs If-Match with the ETag of its GET, so two
editors never overwrite each other."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mappings.models import Bookkeeping, FieldMapping, OssAccount, ValueMapEntry
from mappings.services import bookkeeping_for

from ..domain.errors import SyncError
from ..services.bookkeeping import read_bookkeeping_defaults
from .base import ID_PATTERN, PartnerApiView, check_if_match, etag_of, with_etag
from .errors import conflict, refused
from .pagination import IdCursorPagination


class ModelChecked(serializers.ModelSerializer):
    """Runs the model's own clean(), so the API refuses what the console refuses, in the same words."""

    def validate(self, attrs):
        instance = self.instance or self.Meta.model(integration=self.context["integration"])
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class FieldMappingSerializer(ModelChecked):
    class Meta:
        model = FieldMapping
        fields = ["id", "flow_kind", "target", "source_path", "transform", "argument", "position"]


class ValueMapEntrySerializer(ModelChecked):
    class Meta:
        model = ValueMapEntry
        fields = ["id", "map_name", "source_value", "target_value"]


class OssAccountSerializer(ModelChecked):
    sales_account = serializers.IntegerField(min_value=1000, max_value=9999)
    return_fee_account = serializers.IntegerField(min_value=1000, max_value=9999, required=False, allow_null=True)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)

    class Meta:
        model = OssAccount
        fields = ["id", "country_code", "vat_rate", "sales_account", "return_fee_account"]


IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                            description="The ETag of your GET of this row: a change made since is not overwritten.")


@extend_schema_view(partial_update=extend_schema(parameters=[IF_MATCH]), destroy=extend_schema(parameters=[IF_MATCH]))
class IntegrationOwned(PartnerApiView, viewsets.ModelViewSet):
    """Rows of the integration in the URL; a row of any other integration is not found. A row's GET
    answers an ETag; changing or deleting it needs If-Match with it (428 without, 412 when stale)."""

    pagination_class = IdCursorPagination
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()
        return self.serializer_class.Meta.model.objects.filter(integration=self.integration())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["integration"] = self.integration()
        return context

    def retrieve(self, request, *args, **kwargs):
        return with_etag(self.get_serializer(self.get_object()).data)

    def update(self, request, *args, **kwargs):
        check_if_match(request, self.get_serializer(self.get_object()).data)
        response = super().update(request, *args, **kwargs)
        response["ETag"] = etag_of(response.data)
        return response

    def destroy(self, request, *args, **kwargs):
        check_if_match(request, self.get_serializer(self.get_object()).data)
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer):
        self._saving(lambda: serializer.save(integration=self.integration()))

    def perform_update(self, serializer):
        self._saving(serializer.save)

    def _saving(self, save):
        try:
            with transaction.atomic():
                save()
        except IntegrityError:
            raise conflict("There is already a row for this: change that one instead.") from None


class FieldMappingViewSet(IntegrationOwned):
    """Field mappings: Centra path -> ERP field, through a transform."""

    serializer_class = FieldMappingSerializer
    filterset_fields = ["flow_kind", "target"]


class ValueMapViewSet(IntegrationOwned):
    """Value maps: a Centra value -> the ERP's (e.g. payment method -> terms of payment)."""

    serializer_class = ValueMapEntrySerializer
    filterset_fields = ["map_name"]


class OssAccountViewSet(IntegrationOwned):
    """EU OSS sales accounts per (country, VAT rate)."""

    serializer_class = OssAccountSerializer
    filterset_fields = ["country_code"]


ACCOUNTS = [f.name for f in Bookkeeping._meta.get_fields() if f.name.endswith("_account") or "_account_" in f.name]


class BookkeepingSerializer(serializers.ModelSerializer):
    """Accounts are 4-digit BAS accounts; the rest as the model says (its clean() runs too)."""

    class Meta:
        model = Bookkeeping
        exclude = ["id", "integration"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {name: {"min_value": 1000, "max_value": 9999} for name in ACCOUNTS}

    def validate(self, attrs):
        instance = self.instance
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            instance.full_clean(exclude=["integration"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class BookkeepingViewSet(PartnerApiView, viewsets.GenericViewSet):
    """Bookkeeping settings: accounts, articles, rounding, markets."""

    serializer_class = BookkeepingSerializer
    queryset = Bookkeeping.objects.none()  # one settings document per integration, reached by its slug

    def view(self):
        return bookkeeping_for(self.integration())

    def plain(self, bookkeeping) -> dict:
        data = BookkeepingSerializer(bookkeeping).data
        data.pop("updated_at", None)  # the ETag follows the settings, not the clock
        return data

    def list(self, request, integration_slug=None):
        """The settings, with an ETag to send back as If-Match when changing them."""
        bookkeeping = self.view()
        response = with_etag(self.plain(bookkeeping))
        response.data = BookkeepingSerializer(bookkeeping).data
        return response

    @extend_schema(parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)])
    def partial_update(self, request, integration_slug=None):
        bookkeeping = self.view()
        check_if_match(request, self.plain(bookkeeping))
        params = BookkeepingSerializer(bookkeeping, data=request.data, partial=True)
        params.is_valid(raise_exception=True)
        params.save()
        response = with_etag(self.plain(bookkeeping))
        response.data = BookkeepingSerializer(bookkeeping).data
        return response

    @extend_schema(request=None, responses=inline_serializer("DefaultsRead", {
        "message": serializers.CharField(), "changed": serializers.DictField(child=serializers.IntegerField())}))
    @action(detail=False, methods=["post"], url_path="read-defaults")
    def read_defaults(self, request, integration_slug=None):
        """Fill the accounts from the ERP's own defaults."""
        try:
            changed = read_bookkeeping_defaults(self.integration())
        except SyncError as exc:
            raise refused(f"The ERP did not answer [{exc.code}]: {exc.message}", exc.code) from exc
        message = f"Read the ERP's defaults: changed {', '.join(changed)}." if changed else \
            "The settings already match the ERP's defaults."
        return Response({"message": message, "changed": changed})
