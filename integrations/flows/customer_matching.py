"""One buyer, one ERP customer: matched before created, updated only when something changed.

Match order: the record link we stored (stable across e-mail changes), then the organisation
number where one is known (a company is one customer whoever buys for it), then e-mail. An
update sends only the fields that differ from what we last sent, or from what the ERP held when
we first matched the customer, so a run where nothing changed in Centra sends nothing, and two
flows describing one customer from different records (an order's billing address, Centra's
customer record) never overwrite each other back and forth. What was sent is kept on every link
to that ERP customer.
"""

import hashlib
import json

from ..domain.documents import Customer
from ..links import get_link, push_once, remember
from ..models import RecordLink


def fingerprint(document) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def _same(a, b) -> bool:
    """ERPs give unset fields back as null or "" alike, and numbers sometimes as text."""
    return ("" if a is None else str(a)) == ("" if b is None else str(b))


def changed_fields(wanted: dict, known: dict) -> dict:
    """The fields of `wanted` whose value differs from `known`."""
    return {name: value for name, value in wanted.items() if not _same(value, known.get(name))}


def remember_sent(integration, target_id: str, fields: dict) -> None:
    """Keep what the ERP customer now holds from us on every link that points to it."""
    for link in RecordLink.objects.filter(integration=integration, object_type="customer", target_id=target_id):
        link.sent = {**link.sent, **fields}
        link.fingerprint = fingerprint(link.sent)
        link.save(update_fields=["sent", "fingerprint", "updated_at"])
        remember(link)  # a batch's later records of this customer see what was sent


def ensure_customer(context, erp, customer: Customer) -> tuple[str, str]:
    """The ERP customer number for `customer`, and what happened: created, updated, matched or unchanged."""
    integration = context.integration
    link = get_link(integration, "customer", customer.source_id)
    if link and link.is_linked:
        changes = changed_fields(erp.customer_fields(customer, link.sent), link.sent)
        if not changes:
            return link.target_id, "unchanged"
        erp.update_customer(link.target_id, customer, changes)
        remember_sent(integration, link.target_id, changes)
        return link.target_id, "updated"

    def find() -> str | None:
        numbers = []
        if customer.is_company and customer.organisation_number:
            numbers = erp.find_customers_by_organisation_number(customer.organisation_number)
        return (numbers or erp.find_customers_by_email(customer.email) or [None])[0]

    wanted = erp.customer_fields(customer)
    pushed = push_once(
        integration=integration, run=context.run, object_type="customer", source_id=customer.source_id,
        fingerprint=fingerprint(wanted), always_find=True, find=find, create=lambda: erp.create_customer(customer),
    )
    if pushed.already_linked:
        return pushed.target_id, "unchanged"
    if pushed.recovered and not pushed.answer_lost:
        # An ERP customer we did not make (or made in a lost attempt): send only what differs from it.
        held = erp.held_customer_fields(pushed.target_id)
        changes = changed_fields(erp.customer_fields(customer, held), held)
        if changes:
            erp.update_customer(pushed.target_id, customer, changes)
        remember_sent(integration, pushed.target_id, held | changes)
        return pushed.target_id, "matched"
    remember_sent(integration, pushed.target_id, wanted)  # made by us, now or in an attempt whose answer was lost
    return pushed.target_id, "created"
