"""The Fortnox simulator's rules that the database itself enforces."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from sandbox.fortnox import numbering
from sandbox.fortnox.models import Account, Customer, Invoice


def test_customer_number_is_unique_per_tenant_in_the_database(fortnox_customer):
    with pytest.raises(IntegrityError):
        Customer.objects.create(tenant=fortnox_customer.tenant, customer_number="1", name="Twin")


def test_an_invoice_cannot_be_both_booked_and_cancelled(fortnox_customer):
    today = dt.date(2025, 1, 1)
    with pytest.raises(IntegrityError):
        Invoice.objects.create(tenant=fortnox_customer.tenant, document_number=1, customer=fortnox_customer,
                               customer_number="1", invoice_date=today, due_date=today, booked=True, cancelled=True)


def test_accounts_have_four_digits(fortnox_tenant):
    with pytest.raises(IntegrityError):
        Account.objects.create(tenant=fortnox_tenant, number=30010, description="Too long")


@pytest.mark.django_db(transaction=True)
def test_number_series_must_run_inside_a_transaction(fortnox_tenant):
    with pytest.raises(RuntimeError):
        numbering.next_number(fortnox_tenant, "invoice", lambda n: False)


def test_number_series_skips_numbers_already_taken(fortnox_tenant):
    with transaction.atomic():
        first = numbering.next_number(fortnox_tenant, "x", lambda n: n in (1, 2))
        second = numbering.next_number(fortnox_tenant, "x", lambda n: False)

    assert (first, second) == (3, 4)
