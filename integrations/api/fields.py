"""Relations in request bodies, looked up inside what the caller may see: a foreign id or slug is
answered exactly like an unknown one (404), never "exists but not yours"."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .errors import not_found


@extend_schema_field({"type": "string"})
class ScopedSlugField(serializers.Field):
    def __init__(self, queryset_of, what: str, **kwargs):
        self.queryset_of, self.what = queryset_of, what
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data:
            raise serializers.ValidationError(f"Give the {self.what}'s slug.")
        found = self.queryset_of(self.context["request"]).filter(slug=data).first()
        if found is None:
            raise not_found(f"No {self.what} {data!r} is visible to you.")
        return found

    def to_representation(self, value):
        return value.slug


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class ScopedIdField(serializers.Field):
    def __init__(self, queryset_of, what: str, **kwargs):
        self.queryset_of, self.what = queryset_of, what
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= 2**63 - 1:
            raise serializers.ValidationError(f"Give the {self.what}'s id (a whole number).")
        found = self.queryset_of(self.context["request"]).filter(pk=data).first()
        if found is None:
            raise not_found(f"No {self.what} {data} is visible to you.")
        return found

    def to_representation(self, value):
        return value.pk
