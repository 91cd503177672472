"""Presets: the field mappings a standard shop needs, per (source system, target system, flow kind).

Targets are `<Document>.<target system's field>`, so a preset belongs to a pair of systems: a
second ERP brings its own presets for its flows. Money, rows and accounts are not field mappings:
they follow the bookkeeping settings, so the books balance whatever is mapped here. The target's
field limits come from its connector descriptor (`integrations.domain.registry`).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    target: str
    source_path: str = ""
    transform: str = ""
    argument: str = ""


PERSON = "{billingAddress.firstName} {billingAddress.lastName}"

CUSTOMER_FIELDS = [
    FieldSpec("Customer.Name", "billingAddress.companyName", "coalesce", PERSON),
    FieldSpec("Customer.Email", "billingAddress.email", "strip"),
    FieldSpec("Customer.Phone1", "billingAddress.phoneNumber"),
    FieldSpec("Customer.Address1", "billingAddress.address1"),
    FieldSpec("Customer.Address2", "billingAddress.address2"),
    FieldSpec("Customer.ZipCode", "billingAddress.zipCode", "strip"),
    FieldSpec("Customer.City", "billingAddress.city"),
    FieldSpec("Customer.CountryCode", "billingAddress.country.code", "upper"),
    FieldSpec("Customer.VATNumber", "billingAddress.vatNumber", "strip"),
    FieldSpec("Customer.OrganisationNumber", "billingAddress.vatNumber", "org_number"),
]

CENTRA_FORTNOX: dict[str, list[FieldSpec]] = {
    "orders": [
        *CUSTOMER_FIELDS,
        FieldSpec("Invoice.YourOrderNumber", "number"),
        FieldSpec("Invoice.YourReference", "billingAddress.companyName", "coalesce", PERSON),
        FieldSpec("Invoice.Remarks", "", "template", "Centra order {number}, shipment {shipment.number}"),
        FieldSpec("Invoice.TermsOfPayment", "paymentMethod.name", "value_map", "terms_of_payment"),
        FieldSpec("Invoice.DeliveryName", "shippingAddress.firstName", "template",
                  "{shippingAddress.firstName} {shippingAddress.lastName}"),
        FieldSpec("Invoice.DeliveryAddress1", "shippingAddress.address1"),
        FieldSpec("Invoice.DeliveryZipCode", "shippingAddress.zipCode"),
        FieldSpec("Invoice.DeliveryCity", "shippingAddress.city"),
    ],
    "refunds": [
        *CUSTOMER_FIELDS,
        FieldSpec("Invoice.YourOrderNumber", "number"),
        FieldSpec("Invoice.Remarks", "", "template",
                  "Credit for Centra return {return.id} of shipment {shipment.number}"),
    ],
    "customers": [
        FieldSpec("Customer.Name", "firstName", "template", "{firstName} {lastName}"),
        FieldSpec("Customer.Email", "email", "strip"),
        FieldSpec("Customer.Phone1", "phoneNumber"),
    ],
}

# Business Central (business-central.md §5.1-5.3): camelCase API fields. Name, Email, CountryCode, VATNumber and
# OrganisationNumber are the customer document's own (every ERP reads them); address texts are cut to BC's
# lengths (it refuses longer values), so a long Centra address never fails a record.
BC_CUSTOMER_FIELDS = [
    FieldSpec("Customer.Name", "billingAddress.companyName", "coalesce", PERSON),
    FieldSpec("Customer.Email", "billingAddress.email", "strip"),
    FieldSpec("Customer.phoneNumber", "billingAddress.phoneNumber", "truncate"),
    FieldSpec("Customer.addressLine1", "billingAddress.address1", "truncate"),
    FieldSpec("Customer.addressLine2", "billingAddress.address2", "truncate"),
    FieldSpec("Customer.postalCode", "billingAddress.zipCode", "strip"),
    FieldSpec("Customer.city", "billingAddress.city", "truncate"),
    FieldSpec("Customer.CountryCode", "billingAddress.country.code", "upper"),
    FieldSpec("Customer.VATNumber", "billingAddress.vatNumber", "strip"),
    FieldSpec("Customer.OrganisationNumber", "billingAddress.vatNumber", "org_number"),
]

CENTRA_BUSINESS_CENTRAL: dict[str, list[FieldSpec]] = {
    "orders": [
        *BC_CUSTOMER_FIELDS,
        FieldSpec("Invoice.customerPurchaseOrderReference", "number", "truncate"),
        FieldSpec("Invoice.shipToName", "shippingAddress.firstName", "template",
                  "{shippingAddress.firstName} {shippingAddress.lastName}"),
        FieldSpec("Invoice.shipToAddressLine1", "shippingAddress.address1", "truncate"),
        FieldSpec("Invoice.shipToPostCode", "shippingAddress.zipCode", "strip"),
        FieldSpec("Invoice.shipToCity", "shippingAddress.city", "truncate"),
    ],
    "refunds": [*BC_CUSTOMER_FIELDS],
    "customers": [
        FieldSpec("Customer.Name", "firstName", "template", "{firstName} {lastName}"),
        FieldSpec("Customer.Email", "email", "strip"),
        FieldSpec("Customer.phoneNumber", "phoneNumber", "truncate"),
    ],
}

PRESETS: dict[tuple[str, str, str], list[FieldSpec]] = {
    **{("centra", "fortnox", flow_kind): specs for flow_kind, specs in CENTRA_FORTNOX.items()},
    **{("centra", "business_central", flow_kind): specs for flow_kind, specs in CENTRA_BUSINESS_CENTRAL.items()},
}

# Without these a document cannot be matched or accepted: a flow cannot go live with one unmapped.
REQUIRED: dict[tuple[str, str, str], list[str]] = {
    ("centra", "fortnox", "orders"): ["Customer.Name", "Customer.Email"],
    ("centra", "fortnox", "refunds"): ["Customer.Name", "Customer.Email"],
    ("centra", "fortnox", "customers"): ["Customer.Name", "Customer.Email"],
    ("centra", "business_central", "orders"): ["Customer.Name", "Customer.Email"],
    ("centra", "business_central", "refunds"): ["Customer.Name", "Customer.Email"],
    ("centra", "business_central", "customers"): ["Customer.Name", "Customer.Email"],
}


def systems_of(integration) -> tuple[str, str]:
    """(source kind, target kind) of an integration: which presets and limits apply."""
    return integration.source.kind, integration.target.kind


def preset(integration, flow_kind: str) -> list[FieldSpec]:
    return PRESETS.get((*systems_of(integration), flow_kind), [])


def required(integration, flow_kind: str) -> list[str]:
    return REQUIRED.get((*systems_of(integration), flow_kind), [])
