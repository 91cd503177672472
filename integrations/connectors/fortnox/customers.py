"""Fortnox customers: matched by e-mail or organisation number, created, updated."""

from ...domain.documents import Customer, PushResult
from .payloads import CUSTOMER_LIMITS, check_lengths, vat_type


def _text(value) -> str:
    """A Fortnox string field as text: unset fields come back as null or "" (fortnox.md §4.4), both empty."""
    return "" if value is None else str(value).strip()


def _org_digits(value) -> str:
    return "".join(character for character in _text(value) if character.isalnum()).upper()


class CustomersMixin:
    # --- customers --------------------------------------------------------------------------

    def customer_payload(self, customer: Customer) -> dict:
        """Mapped fields first; the VAT type follows the buyer's country (how integrators pick it).
        A company's contact person is its `YourReference` (fortnox.md §5.1: 50 characters)."""
        payload = {**customer.fields, "Name": customer.name, "Email": customer.email}
        if customer.contact_person:
            payload["YourReference"] = customer.contact_person[:CUSTOMER_LIMITS["YourReference"]]
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

    def render_customer(self, customer: Customer) -> dict:
        return {"Customer": self.customer_payload(customer)}

    def find_customers_by_organisation_number(self, number: str) -> list[str]:
        """Fortnox searches by substring and keeps the number as typed ("556677-8899" or not):
        search by its first six digits, then compare the numbers without dashes or spaces."""
        wanted = _org_digits(number)
        if not wanted:
            return []
        items = self.client.list_all("customers", "Customers", organisationnumber=wanted[:6])
        return [str(c["CustomerNumber"]) for c in items if _org_digits(c.get("OrganisationNumber")) == wanted]

    def find_customers_by_email(self, email: str) -> list[str]:
        """Customer numbers whose e-mail equals `email` (Fortnox searches by substring)."""
        wanted = _text(email).lower()
        if not wanted:
            return []
        items = self.client.list_all("customers", "Customers", email=email)
        return [str(c["CustomerNumber"]) for c in items if _text(c.get("Email")).lower() == wanted]

    def customer_fields(self, customer: Customer, known: dict | None = None) -> dict:
        """The fields we would send for `customer`, given what Fortnox holds or last got from us
        (`known`). A person whose record does not say (the Centra customer record has no company)
        who belongs to a company customer leaves the company its name: the person is its reference."""
        payload = self.customer_payload(customer)
        if customer.is_company is None and (known or {}).get("Type") == "COMPANY":
            payload.pop("Name", None)
            payload["YourReference"] = customer.name[:CUSTOMER_LIMITS["YourReference"]]
        return payload

    def held_customer_fields(self, customer_number: str) -> dict:
        """What Fortnox holds for a customer, field by field (unset fields read as empty)."""
        held = self.client.get(f"customers/{customer_number}")["Customer"]
        return {name: "" if value is None else value for name, value in held.items()}

    def create_customer(self, customer: Customer) -> PushResult:
        body = self.client.post("customers", {"Customer": self.customer_payload(customer)})
        created = body["Customer"]
        return PushResult(str(created["CustomerNumber"]), True, created)

    def update_customer(self, customer_number: str, customer: Customer, fields: dict | None = None) -> PushResult:
        """Update a customer: only `fields` (what differs, from `customer_fields`) when given.
        A Fortnox PUT is partial, so fields not sent stay as they are."""
        payload = self.customer_payload(customer) if fields is None else dict(fields)
        check_lengths(payload, CUSTOMER_LIMITS, "Customer")
        body = self.client.put(f"customers/{customer_number}", {"Customer": payload})
        return PushResult(customer_number, False, body["Customer"])

