"""Presets: the field mappings a standard Centra + Fortnox shop needs, per flow kind.

Targets are `<Document>.<Fortnox field>`. Money, rows and accounts are not field mappings: they
follow the bookkeeping settings, so the books balance whatever is mapped here.
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

PRESETS: dict[str, list[FieldSpec]] = {
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

# Without these a document cannot be matched or accepted: a flow cannot go live with one unmapped.
REQUIRED: dict[str, list[str]] = {
    "orders": ["Customer.Name", "Customer.Email"],
    "refunds": ["Customer.Name", "Customer.Email"],
    "customers": ["Customer.Name", "Customer.Email"],
}

# Fortnox field lengths, for `truncate` without an argument and for the preview's warnings.
TARGET_LIMITS = {
    "Invoice.YourOrderNumber": 30, "Invoice.YourReference": 50, "Invoice.OurReference": 50,
    "Invoice.Remarks": 1024, "Customer.ZipCode": 10, "Customer.OrganisationNumber": 30,
    "Customer.Name": 1024, "Customer.Email": 1024, "Customer.CountryCode": 2,
}
