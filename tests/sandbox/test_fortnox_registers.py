"""Currencies, accounts, predefined accounts, terms of payment and the company."""

import pytest

from sandbox.fortnox import services as fortnox


def test_tenant_is_seeded_with_five_currencies(fortnox_api):
    body = fortnox_api.get("currencies").json()

    assert [currency["Code"] for currency in body["Currencies"]] == ["DKK", "EUR", "NOK", "SEK", "USD"]
    assert fortnox_api.get("currencies/EUR").json()["Currency"]["Description"] == "Euro"


def test_currencies_are_configurable(fortnox_api_for):
    api = fortnox_api_for(fortnox.create_tenant("Nordic AB", currencies=("SEK", "NOK")))

    assert [currency["Code"] for currency in api.get("currencies").json()["Currencies"]] == ["NOK", "SEK"]


@pytest.mark.parametrize("number", [1510, 1930, 2611, 2621, 2631, 2641, 3001, 3002, 3003, 3004, 3105, 3106, 3108,
                                    3520, 3540, 3740, 4000])
def test_bas_accounts_exist(fortnox_api, number):
    account = fortnox_api.get(f"accounts/{number}").json()["Account"]

    assert account["Number"] == number
    assert account["Active"] is True


def test_sales_account_carries_its_vat_code(fortnox_api):
    assert fortnox_api.get("accounts/3001").json()["Account"]["VATCode"] == "MP1"


def test_unknown_account_is_404(fortnox_api):
    response = fortnox_api.get("accounts/9999")

    assert response.status_code == 404
    assert response.json()["ErrorInformation"]["Code"] == 2000423


@pytest.mark.parametrize(("name", "number"), [("SALES_25_SE", 3001), ("FREIGHT", 3520), ("ROUNDOFF", 3740),
                                              ("SALESEUREV", 3108), ("SALESEXPORT", 3105), ("CUSTCLAIM", 1510)])
def test_predefined_accounts(fortnox_api, name, number):
    assert fortnox_api.get(f"predefinedaccounts/{name}").json()["PreDefinedAccount"] == {
        "@url": f"http://testserver/sandbox/fortnox/3/predefinedaccounts/{name}", "Account": number, "Name": name}


def test_predefined_account_list_key(fortnox_api):
    assert "PreDefinedAccounts" in fortnox_api.get("predefinedaccounts").json()


def test_terms_of_payment(fortnox_api):
    codes = [terms["Code"] for terms in fortnox_api.get("termsofpayments").json()["TermsOfPayments"]]

    assert "30" in codes
    assert fortnox_api.get("termsofpayments/30").json()["TermsOfPayment"]["Description"] == "30 dagar"
    assert fortnox_api.get("termsofpayments/99").json()["ErrorInformation"]["Code"] == 2000429


def test_company_information_names_the_tenant(fortnox_api, fortnox_tenant):
    info = fortnox_api.get("companyinformation").json()["CompanyInformation"]

    assert info["DatabaseNumber"] == 424242
    assert info["OrganizationNumber"] == "556677-8899"


def test_company_settings(fortnox_api):
    settings = fortnox_api.get("settings/company/").json()["CompanySettings"]

    assert (settings["DatabaseNumber"], settings["Country"]) == (424242, "Sverige")


def test_create_tenant_is_idempotent_by_name(fortnox_tenant):
    again = fortnox.create_tenant("Fortnox Test AB")

    assert again.pk == fortnox_tenant.pk
    assert again.accounts.count() == fortnox_tenant.accounts.count()


def test_customers_service_matches_what_get_shows(fortnox_api, fortnox_customer, fortnox_tenant):
    assert fortnox.customers(fortnox_tenant) == [fortnox_api.get("customers/1").json()["Customer"]]
