"""Fortnox customers: matched by e-mail or organisation number, created, updated."""

from ...documents import Customer, PushResult
from .payloads import CUSTOMER_LIMITS, check_lengths, vat_type


class CustomersMixin:
    # --- customers --------------------------------------------------------------------------

    def customer_payload(self, customer: Customer) -> dict:
        address = customer.address
        payload = {
            "Name": customer.name,
            "Email": customer.email,
            "Type": "COMPANY" if customer.is_company else "PRIVATE",
            "VATType": vat_type(customer, self.home_country),
        }
        if customer.organisation_number:
            payload["OrganisationNumber"] = customer.organisation_number
        if customer.vat_number:
            payload["VATNumber"] = customer.vat_number
        if customer.currency:
            payload["Currency"] = customer.currency
        if address:
            payload.update({
                "Address1": address.address1, "Address2": address.address2, "ZipCode": address.zip_code,
                "City": address.city, "CountryCode": address.country_code, "Phone1": address.phone,
            })
        check_lengths(payload, CUSTOMER_LIMITS, "Customer")
        return payload

    def find_customers_by_email(self, email: str) -> list[str]:
        """Customer numbers whose e-mail equals `email` (Fortnox searches by substring)."""
        items = self.client.list_all("customers", "Customers", email=email)
        return [str(c["CustomerNumber"]) for c in items if str(c.get("Email", "")).lower() == email.lower()]

    def customer_exists(self, customer_number: str) -> bool:
        return self.client.get_or_none(f"customers/{customer_number}") is not None

    def create_customer(self, customer: Customer) -> PushResult:
        body = self.client.post("customers", {"Customer": self.customer_payload(customer)})
        created = body["Customer"]
        return PushResult(str(created["CustomerNumber"]), True, created)

    def update_customer(self, customer_number: str, customer: Customer) -> PushResult:
        body = self.client.put(f"customers/{customer_number}", {"Customer": self.customer_payload(customer)})
        return PushResult(customer_number, False, body["Customer"])

