"""Checks that codes and numbers a record points at exist in the company's registers."""

from . import errors
from .errors import FortnoxError
from .models import Account, Currency, PredefinedAccount, Tenant, TermsOfPayment


def account(tenant: Tenant, number) -> Account:
    """An active account, else 2001304 (400), as for a row's AccountNumber."""
    found = Account.objects.filter(tenant=tenant, number=number, active=True).first()
    if found is None:
        raise errors.account_not_found(number)
    return found


def check_account(tenant: Tenant, number) -> None:
    if number is not None:
        account(tenant, number)


def predefined_account(tenant: Tenant, name: str) -> Account:
    """The account behind a predefined name; a missing one is 2001304 like Fortnox's fallback."""
    predefined = PredefinedAccount.objects.select_related("account").filter(tenant=tenant, name=name).first()
    if predefined is None:
        raise errors.account_not_found(name)
    return predefined.account


def currency(tenant: Tenant, code: str) -> Currency:
    found = Currency.objects.filter(tenant=tenant, code=code).first()
    if found is None:
        # SIMULATED code/message (CURRENCY_NOT_FOUND).
        raise FortnoxError(errors.CURRENCY_NOT_FOUND, f"Kan inte hitta valutan ({code}).")
    return found


def check_currency(tenant: Tenant, code) -> None:
    if code:
        currency(tenant, code)


def terms_of_payment(tenant: Tenant, code: str) -> TermsOfPayment:
    found = TermsOfPayment.objects.filter(tenant=tenant, code=code).first()
    if found is None:
        raise FortnoxError(errors.TERMS_OF_PAYMENT_NOT_FOUND, "Kan inte hitta betalningsvillkoret.")
    return found


def check_terms_of_payment(tenant: Tenant, code) -> None:
    if code:
        terms_of_payment(tenant, code)
