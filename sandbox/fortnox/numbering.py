"""Number series per tenant. The counter row is locked for the transaction, so two concurrent
creates never get the same number; numbers a client chose itself are skipped."""

from django.db import transaction

from .models import Counter, Tenant


def next_number(tenant: Tenant, series: str, taken) -> int:
    """Next free number of `series`; `taken(n)` says whether n is already used. Call inside
    `transaction.atomic()` so the lock lasts until the record using the number is saved."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside transaction.atomic()")
    Counter.objects.get_or_create(tenant=tenant, name=series)
    counter = Counter.objects.select_for_update().get(tenant=tenant, name=series)
    number = counter.value + 1
    while taken(number):
        number += 1
    counter.value = number
    counter.save(update_fields=["value"])
    return number
