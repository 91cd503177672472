"""One buyer, one ERP customer: matched before created, updated when they change.

Match order: the record link we stored (stable across e-mail changes), then e-mail, then the
organisation number for companies. A match or a changed customer updates the ERP customer; a
duplicate is never created.
"""

import hashlib
import json

from ..documents import Customer
from ..links import get_link, push_once


def fingerprint(document) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def ensure_customer(context, erp, customer: Customer) -> tuple[str, str]:
    """The ERP customer number for `customer`, and what happened: created, updated, matched or unchanged."""
    integration = context.integration
    customer_print = fingerprint(customer)
    link = get_link(integration, "customer", customer.source_id)
    if link and link.is_linked:
        if link.fingerprint == customer_print:
            return link.target_id, "unchanged"
        erp.update_customer(link.target_id, customer)
        link.fingerprint = customer_print
        link.save(update_fields=["fingerprint", "updated_at"])
        return link.target_id, "updated"

    def find() -> str | None:
        numbers = erp.find_customers_by_email(customer.email)
        if not numbers and customer.is_company and customer.organisation_number:
            numbers = erp.find_customers_by_organisation_number(customer.organisation_number)
        return numbers[0] if numbers else None

    pushed = push_once(
        integration=integration, run=context.run, object_type="customer", source_id=customer.source_id,
        fingerprint=customer_print, always_find=True, find=find, create=lambda: erp.create_customer(customer),
    )
    if pushed.recovered and not pushed.answer_lost:  # an ERP customer we did not create: bring it up to date
        erp.update_customer(pushed.target_id, customer)
        return pushed.target_id, "matched"
    return pushed.target_id, "created" if pushed.created else "unchanged"
