"""The company's small read-only registers: currencies, accounts, predefined accounts, terms of
payment, and the company itself (fortnox.md §5.6-5.10)."""

from . import errors
from .countries import country_name
from .errors import NotFound
from .models import Account, Currency, PredefinedAccount, Tenant, TermsOfPayment
from .validation import to_json


def currencies(tenant: Tenant):
    return Currency.objects.filter(tenant=tenant)


def currency(tenant: Tenant, code: str) -> Currency:
    found = currencies(tenant).filter(code=code.upper()).first()
    if found is None:
        # SIMULATED code (CURRENCY_NOT_FOUND_404).
        raise NotFound(errors.CURRENCY_NOT_FOUND_404, "Kan inte hitta valutan.")
    return found


def render_currency(currency: Currency, base: str) -> dict:
    return to_json({
        "@url": f"{base}currencies/{currency.code}", "BuyRate": currency.buy_rate, "Code": currency.code,
        "Date": None, "Description": currency.description, "IsAutomatic": False,
        "SellRate": currency.sell_rate, "Unit": currency.unit,
    })


def accounts(tenant: Tenant, params):
    queryset = Account.objects.filter(tenant=tenant)
    if params.get("sru"):
        if not params["sru"].isdigit():
            raise errors.invalid_parameter()
        queryset = queryset.filter(sru=int(params["sru"]))
    return queryset


def account(tenant: Tenant, number: str) -> Account:
    found = Account.objects.filter(tenant=tenant, number=int(number)).first() if number.isdigit() else None
    if found is None:
        raise NotFound(errors.ACCOUNT_NOT_FOUND_404, "Kan inte hitta kontot.")
    return found


def render_account(account: Account, base: str) -> dict:
    return to_json({
        "@url": f"{base}accounts/{account.number}", "Active": account.active, "BalanceBroughtForward": 0,
        "BalanceCarriedForward": 0, "CostCenter": None, "CostCenterSettings": "ALLOWED",
        "Description": account.description, "Number": account.number, "Project": "",
        "ProjectSettings": "ALLOWED", "QuantitySettings": "ALLOWED", "QuantityUnit": "", "SRU": account.sru,
        "TransactionInformation": "", "TransactionInformationSettings": "ALLOWED",
        "VATCode": account.vat_code or None, "Year": None,
    })


def predefined_accounts(tenant: Tenant):
    return PredefinedAccount.objects.filter(tenant=tenant).select_related("account")


def predefined_account(tenant: Tenant, name: str) -> PredefinedAccount:
    found = predefined_accounts(tenant).filter(name=name.upper()).first()
    if found is None:
        # SIMULATED code (PREDEFINED_ACCOUNT_NOT_FOUND_404).
        raise NotFound(errors.PREDEFINED_ACCOUNT_NOT_FOUND_404, "Kan inte hitta det fördefinierade kontot.")
    return found


def render_predefined_account(predefined: PredefinedAccount, base: str) -> dict:
    return {"@url": f"{base}predefinedaccounts/{predefined.name}", "Account": predefined.account.number,
            "Name": predefined.name}


def terms_of_payment_list(tenant: Tenant):
    return TermsOfPayment.objects.filter(tenant=tenant)


def terms_of_payment(tenant: Tenant, code: str) -> TermsOfPayment:
    found = terms_of_payment_list(tenant).filter(code=code).first()
    if found is None:
        raise NotFound(errors.TERMS_OF_PAYMENT_NOT_FOUND, "Kan inte hitta betalningsvillkoret.")
    return found


def render_terms_of_payment(terms: TermsOfPayment, base: str) -> dict:
    return {"@url": f"{base}termsofpayments/{terms.code}", "Code": terms.code, "Description": terms.description}


def company_information(tenant: Tenant) -> dict:
    return {
        "Address": tenant.address, "City": tenant.city, "CompanyName": tenant.name,
        "CountryCode": tenant.country_code, "DatabaseNumber": tenant.database_number,
        "OrganizationNumber": tenant.organisation_number, "VisitAddress": tenant.address,
        "VisitCity": tenant.city, "VisitCountryCode": tenant.country_code, "VisitZipCode": tenant.zip_code,
        "ZipCode": tenant.zip_code,
    }


def company_settings(tenant: Tenant) -> dict:
    return {
        "Address": tenant.address, "BG": "", "BIC": "", "City": tenant.city, "ContactFirstName": "",
        "ContactLastName": "", "Country": country_name(tenant.country_code), "CountryCode": tenant.country_code,
        "DatabaseNumber": tenant.database_number, "Domicile": tenant.city, "Email": tenant.email, "Fax": "",
        "IBAN": "", "Name": tenant.name, "OrganizationNumber": tenant.organisation_number, "PG": "",
        "Phone1": "", "Phone2": "", "TaxEnabled": True,
        "VATNumber": f"SE{tenant.organisation_number.replace('-', '')}01" if tenant.organisation_number else "",
        "VisitAddress": tenant.address, "VisitCity": tenant.city, "VisitCountry": country_name(tenant.country_code),
        "VisitCountryCode": tenant.country_code, "VisitName": tenant.name, "VisitZipCode": tenant.zip_code,
        "WWW": "", "ZipCode": tenant.zip_code,
    }

