"""List filters of the sync log and the open failures: each filters on an indexed column of the
record itself (a flow is its object type), and none needs a query to list its choices but the
organizations'."""

from django.contrib import admin

from ..domain.errors import CATALOG
from ..models import Flow, Organization
from ..selectors.failures import AGES, within_age
from ..web_input import whole_number

OBJECT_TYPES = {Flow.Kind.ORDERS: "invoice", Flow.Kind.REFUNDS: "credit_invoice", Flow.Kind.CUSTOMERS: "customer",
                Flow.Kind.PRODUCTS: "article", Flow.Kind.STOCK: "stock"}


class OrganizationFilter(admin.SimpleListFilter):
    title = "organization"
    parameter_name = "organization"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Organization.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = whole_number(self.value())
        return queryset.filter(integration__organization_id=value) if value else queryset


class FlowFilter(admin.SimpleListFilter):
    title = "flow"
    parameter_name = "flow"

    def lookups(self, request, model_admin):
        return Flow.Kind.choices

    def queryset(self, request, queryset):
        object_type = OBJECT_TYPES.get(self.value())
        return queryset.filter(object_type=object_type) if object_type else queryset


class ErrorCodeFilter(admin.SimpleListFilter):
    title = "error code"
    parameter_name = "error_code"

    def lookups(self, request, model_admin):
        return [(code, f"{code}: {entry.title}") for code, entry in sorted(CATALOG.items())]

    def queryset(self, request, queryset):
        return queryset.filter(error_code=self.value()) if self.value() else queryset


class AgeFilter(admin.SimpleListFilter):
    title = "open for"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _, _) in AGES.items()]

    def queryset(self, request, queryset):
        return within_age(queryset, self.value()) if self.value() else queryset
