"""What people search the sync log by, read off a source record when its outcome is stored.

The order number and the customer's e-mail are not ids of the record itself (a shipment's id is
not its order's number; an invoice has no e-mail of its own), so they are kept beside it: an
e-mail then finds that customer's invoices and credit invoices too.
"""

from .base import SourceRecord


def search_keys(record: SourceRecord) -> dict[str, str]:
    data = record.data if isinstance(record.data, dict) else {}
    order = data.get("order")
    if not isinstance(order, dict) and isinstance(data.get("return"), dict):
        order = data["return"].get("order")
    order = order if isinstance(order, dict) else {}
    email = ""
    for holder in (order.get("customer"), order.get("billingAddress"), data):
        if isinstance(holder, dict) and isinstance(holder.get("email"), str) and holder["email"].strip():
            email = holder["email"].strip().lower()
            break
    number = order.get("number")
    return {"order_number": str(number)[:64] if number not in (None, "") else "", "customer_email": email[:254]}
