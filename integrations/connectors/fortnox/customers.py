"""Fortnox customers: matched by e-mail or organisation number, created, updated."""

from ...documents import Customer, PushResult
from .payloads import CUSTOMER_LIMITS, check_lengths, vat_type


class CustomersMixin:
    # --- customers --------------------------------------------------------------------------

    def customer_payload(self, customer: Customer) -> dict:
        """Mapped fields first; the VAT type follows the buyer's country (how integrators pick it)."""
        payload = {**customer.fields, "Name": customer.name, "Email": customer.email}
        if customer.is_company is not None:
            payload["Type"] = "COMPANY" if customer.is_company else "PRIVATE"
        if customer.country_code:  # without a country we cannot know the VAT type: keep the ERP's
            payload["VATType"] = vat_type(customer, self.home_country)
        if customer.organisation_number:
            payload["OrganisationNumber"] = customer.organisation_number
        if customer.vat_number:
            payload["VATNumber"] = customer.vat_number
        if customer.currency:
            payload["Currency"] = customer.currency
        check_lengths(payload, CUSTOMER_LIMITS, "Customer")
        return payload

    def find_customers_by_organisation_number(self, number: str) -> list[str]:
        items = self.client.list_all("customers", "Customers", organisationnumber=number)
        wanted = number.replace("-", "")
        return [str(c["CustomerNumber"]) for c in items
                if str(c.get("OrganisationNumber", "")).replace("-", "") == wanted]

    def find_customers_by_email(self, email: str) -> list[str]:
        """Customer numbers whose e-mail equals `email` (Fortnox searches by substring)."""
        items = self.client.list_all("customers", "Customers", email=email)
        return [str(c["CustomerNumber"]) for c in items if str(c.get("Email", "")).lower() == email.lower()]

    def create_customer(self, customer: Customer) -> PushResult:
        body = self.client.post("customers", {"Customer": self.customer_payload(customer)})
        created = body["Customer"]
        return PushResult(str(created["CustomerNumber"]), True, created)

    def update_customer(self, customer_number: str, customer: Customer) -> PushResult:
        body = self.client.put(f"customers/{customer_number}", {"Customer": self.customer_payload(customer)})
        return PushResult(customer_number, False, body["Customer"])

