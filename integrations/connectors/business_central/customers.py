"""Customers (business-central.md §5.1): matched by e-mail or VAT/organisation number, created,
updated with the etag they were read with. The VAT business posting group of a customer is its
`taxAreaId` in VAT countries; invoices set it from the buyer's booking situation."""

from ...domain.documents import Customer, PushResult
from ...domain.errors import SyncError
from .client import quoted
from .payloads import CUSTOMER_LIMITS, check_lengths

# Mapping targets the customer document carries itself (every ERP's presets map them by these names).
DOCUMENT_KEYS = {"CountryCode"}

def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _alnum(value) -> str:
    return "".join(character for character in _text(value) if character.isalnum()).upper()


class CustomersMixin:
    def customer_payload(self, customer: Customer) -> dict:
        """Mapped fields first (the BC preset maps address and phone), then name and e-mail. A Swedish
        company's VAT number (or, lacking one, its organisation number) is its tax registration number."""
        mapped = {name: value for name, value in customer.fields.items() if name not in DOCUMENT_KEYS}
        payload = {**mapped, "displayName": customer.name, "email": customer.email}
        if customer.is_company is not None:
            payload["type"] = "Company" if customer.is_company else "Person"
        if customer.country_code:
            payload["country"] = customer.country_code.upper()
        if customer.currency:
            payload["currencyCode"] = customer.currency.upper()
        registration = customer.vat_number or customer.organisation_number
        if registration:
            payload["taxRegistrationNumber"] = registration
        check_lengths(payload, CUSTOMER_LIMITS, "Customer")
        return payload

    def render_customer(self, customer: Customer) -> dict:
        return {"customers": self.customer_payload(customer)}

    def _customer(self, number: str) -> dict:
        found = self.client.find("customers", f"number eq {quoted(number)}")
        if not found:
            raise SyncError("not_found", f"Business Central has no customer {number}.")
        return found[0]

    def find_customers_by_email(self, email: str) -> list[str]:
        """BC compares case-sensitively; `tolower` makes the search ignore case, then only an exact
        (case-insensitive) e-mail counts."""
        wanted = _text(email).lower()
        if not wanted:
            return []
        found = self.client.find("customers", f"tolower(email) eq {quoted(wanted)}", **{"$select": "number,email"})
        return [str(c["number"]) for c in found if _text(c.get("email")).lower() == wanted]

    def find_customers_by_organisation_number(self, number: str) -> list[str]:
        """The tax registration number holds a VAT number (SE5566778899 01) or an organisation number,
        typed with or without dashes: search by the first six digits, compare without punctuation."""
        wanted = _alnum(number)
        if not wanted:
            return []
        found = self.client.find("customers", f"contains(taxRegistrationNumber, {quoted(wanted[:6])})",
                                 **{"$select": "number,taxRegistrationNumber"})
        matches = []
        for item in found:
            held = _alnum(item.get("taxRegistrationNumber"))
            if held == wanted or (held[:2].isalpha() and held[2:2 + len(wanted)] == wanted):
                matches.append(str(item["number"]))
        return matches

    def customer_fields(self, customer: Customer, known: dict | None = None) -> dict:
        """What we would send, given what BC holds or last got from us (`known`). A person whose record
        does not say, buying for a company customer, leaves the company its name."""
        payload = self.customer_payload(customer)
        if customer.is_company is None and (known or {}).get("type") == "Company":
            payload.pop("displayName", None)
        return payload

    def held_customer_fields(self, customer_number: str) -> dict:
        held = self._customer(customer_number)
        return {name: "" if value is None else value for name, value in held.items() if not name.startswith("@")}

    def create_customer(self, customer: Customer) -> PushResult:
        created = self.client.post("customers", self.customer_payload(customer))
        return PushResult(str(created["number"]), True, created)

    def update_customer(self, customer_number: str, customer: Customer, fields: dict | None = None) -> PushResult:
        """A partial PATCH with the etag the customer was read with (re-read if someone changed it)."""
        payload = self.customer_payload(customer) if fields is None else dict(fields)
        check_lengths(payload, CUSTOMER_LIMITS, "Customer")
        held = self._customer(customer_number)
        updated = self.client.patch_fresh(f"customers({held['id']})", payload, held["@odata.etag"])
        return PushResult(customer_number, False, updated)

    def ensure_vat_business_group(self, customer_number: str, groups: dict) -> None:
        """Give the customer the VAT business posting group of the invoice's booking situation (a
        document cannot carry its own in API v2.0, §6)."""
        code = groups.get("vat_business") or ""
        if not code:
            raise SyncError("unmapped_vat_business_group",
                            f"The {groups.get('situation') or 'booking'} situation has no VAT business posting "
                            "group: map it in the bookkeeping settings.")
        areas = self.tax_areas()
        if code not in areas:
            raise SyncError("unmapped_vat_business_group",
                            f"The VAT business posting group {code!r} mapped for {groups.get('situation')} does not "
                            f"exist in Business Central (it has {', '.join(sorted(areas))}): fix the mapping.")
        held = self._customer(customer_number)
        if str(held.get("taxAreaId") or "").lower() != areas[code].lower():
            self.client.patch_fresh(f"customers({held['id']})", {"taxAreaId": areas[code]}, held["@odata.etag"])
