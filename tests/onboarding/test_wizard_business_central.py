"""Get Started's ERP step for Business Central against its simulator over HTTP: the tenant, client id
and secret are checked first, then the environment and the company are chosen from what BC lists
(never typed), and each failure says what to fix. The bookkeeping step maps the chosen company's own
posting groups. The wizard's code knows none of this: it comes from the connector's descriptor."""

import pytest
from django.urls import reverse

from integrations.models import Connection
from mappings.models import PostingGroups
from onboarding import progress
from onboarding.models import Wizard
from sandbox.business_central import records as store
from sandbox.business_central import services as bc
from sandbox.centra import services as centra

from .fixtures import make_owner

ERP = reverse("onboarding:wizard-erp")
BOOKKEEPING = reverse("onboarding:wizard-bookkeeping")


@pytest.fixture
def owner(client, sandbox):
    """An owner whose Centra is connected (the step before)."""
    user, organization = make_owner()
    client.force_login(user)
    answer = client.post(reverse("onboarding:wizard-centra"),
                         {"base_url": sandbox.centra_url, "api_token": sandbox.store.api_token})
    assert answer.status_code == 302
    return organization


def _page(client):
    return client.get(ERP, {"kind": "business_central"}).content.decode()


def _connect(client, bc_sandbox, company):
    assert client.post(ERP, bc_sandbox.credentials()).status_code == 302
    assert client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "production"}) \
        .status_code == 302
    return client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "production",
                             "company_id": str(company.id)})


def test_credentials_first_then_the_environment_then_the_company_chosen_from_what_bc_lists(client, owner,
                                                                                           bc_sandbox):
    outlet = bc_sandbox.companies[1]

    checked = client.post(ERP, bc_sandbox.credentials())
    assert checked.status_code == 302
    page = _page(client)
    assert "Business Central accepted the credentials: now choose the environment." in page
    assert '<option value="production">production (Production)</option>' in page
    assert '<option value="sandbox">sandbox (Sandbox)</option>' in page
    assert 'name="company_id"' not in page  # the companies come once the environment is chosen

    client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "production"})
    page = _page(client)
    assert "Now choose the company." in page
    assert f'<option value="{outlet.id}">Wizard Outlet AB</option>' in page
    assert "Wizard Shop AB</option>" in page
    assert "erp" not in Wizard.objects.get(organization=owner).done

    connected = client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "production",
                                  "company_id": str(outlet.id)})
    assert connected.status_code == 302
    assert "Business Central answered: connected to Wizard Outlet AB." in _page(client)
    target = Connection.objects.get(organization=owner, kind="business_central")
    assert (target.credentials["environment"], target.credentials["company_id"]) == ("production", str(outlet.id))
    assert (target.base_url, target.auth_url) == (bc_sandbox.api_url, bc_sandbox.api_url)
    assert target.health == Connection.Health.HEALTHY
    wizard = Wizard.objects.get(organization=owner)
    assert wizard.done == ["centra", "erp"]
    assert wizard.facts["erp_company"]["name"] == "Wizard Outlet AB"
    assert wizard.integration.target == target


@pytest.mark.parametrize(("change", "says"), [
    ({"client_secret": "not-the-secret"}, "Microsoft Entra refused the client secret: paste the Value"),
    ({"tenant": "nosuch.onmicrosoft.example"},
     "Microsoft Entra knows no tenant &#x27;nosuch.onmicrosoft.example&#x27;"),
    ({"client_id": "someone-elses-app"}, "Microsoft Entra found no app with client id &#x27;someone-elses-app&#x27;"),
])
def test_each_refused_credential_is_named_with_what_to_fix(client, owner, bc_sandbox, change, says):
    answer = client.post(ERP, bc_sandbox.credentials(**change))

    page = answer.content.decode()
    assert answer.status_code == 400
    assert f"Business Central refused these credentials: {says}" in page
    assert 'name="environment"' not in page  # nothing is offered for credentials that do not work
    assert "erp" not in Wizard.objects.get(organization=owner).done


def test_a_tenant_without_environments_says_to_create_one(client, owner, bc_sandbox):
    bc.create_app("lonely-client", "lonely-secret", "lonely.onmicrosoft.example")

    answer = client.post(ERP, bc_sandbox.credentials(tenant="lonely.onmicrosoft.example", client_id="lonely-client",
                                                     client_secret="lonely-secret"))

    assert answer.status_code == 400
    assert "tenant &#x27;lonely.onmicrosoft.example&#x27; has no Business Central environment it can reach: create " \
           "one in the Business Central admin center" in answer.content.decode()


@pytest.mark.parametrize(("status", "says"), [
    (401, "Microsoft Entra accepted the app&#x27;s client id and secret, but Business Central refused the app: on "
          "Business Central&#x27;s &#x27;Microsoft Entra applications&#x27; page, give the app"),
    (403, "Give the app&#x27;s card on Business Central&#x27;s &#x27;Microsoft Entra applications&#x27; page the "
          "permission sets it needs"),
])
def test_an_app_without_permission_in_business_central_says_where_to_give_it(client, owner, bc_sandbox, status,
                                                                            says):
    bc.create_app(bc_sandbox.client_id, bc_sandbox.client_secret, bc_sandbox.tenant, enabled_in_bc=False,
                  disabled_status=status)

    answer = client.post(ERP, bc_sandbox.credentials())

    assert answer.status_code == 400
    assert says in answer.content.decode()


def test_an_environment_without_companies_says_so_when_it_is_chosen(client, owner, bc_sandbox):
    client.post(ERP, bc_sandbox.credentials())

    answer = client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "sandbox"})

    assert answer.status_code == 400
    assert "Business Central environment &#x27;sandbox&#x27; has no company: create one there (or choose another " \
           "environment)." in answer.content.decode()


def test_a_company_bc_does_not_list_is_refused(client, owner, bc_sandbox):
    client.post(ERP, bc_sandbox.credentials())
    client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "production"})

    answer = client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "production",
                               "company_id": "00000000-0000-0000-0000-000000000001"})

    assert answer.status_code == 400
    assert "Business Central does not list this company (any more): choose one from the list." in \
        answer.content.decode()
    assert "erp" not in Wizard.objects.get(organization=owner).done


def test_another_environment_forgets_the_company_chosen_in_the_first(client, owner, bc_sandbox):
    _connect(client, bc_sandbox, bc_sandbox.companies[0])
    bc.create_company(bc.create_environment(bc_sandbox.tenant, "sandbox"), "WIZARD TEST", "Wizard Test AB")

    answer = client.post(ERP, {"kind": "business_central", "step": "choose", "environment": "sandbox",
                               "company_id": str(bc_sandbox.companies[0].id)})

    assert answer.status_code == 302
    target = Connection.objects.get(organization=owner, kind="business_central")
    assert (target.credentials["environment"], target.credentials.get("company_id")) == ("sandbox", None)
    assert "erp" not in Wizard.objects.get(organization=owner).done  # the later steps wait for the company
    assert "Wizard Test AB</option>" in _page(client)


def test_new_credentials_are_checked_with_a_new_token_not_the_one_kept_for_the_old(client, owner, bc_sandbox):
    _connect(client, bc_sandbox, bc_sandbox.companies[0])
    assert Connection.objects.get(organization=owner, kind="business_central").credentials["access_token"]

    answer = client.post(ERP, bc_sandbox.credentials(client_secret="a-typo"))

    assert answer.status_code == 400
    assert "Microsoft Entra refused the client secret" in answer.content.decode()


def test_the_same_credentials_typed_again_keep_the_choices(client, owner, bc_sandbox):
    _connect(client, bc_sandbox, bc_sandbox.companies[1])

    again = client.post(ERP, bc_sandbox.credentials())

    assert again.status_code == 302
    assert "connected to Wizard Outlet AB" in _page(client)
    assert "erp" in Wizard.objects.get(organization=owner).done


def test_the_bookkeeping_step_maps_the_chosen_companys_own_posting_groups(client, owner, bc_sandbox):
    shop, outlet = bc_sandbox.companies
    store.create(shop, "taxAreas", {"code": "SHOP-ONLY", "displayName": "Only in the shop", "taxType": "VAT"},
                 number_value="SHOP-ONLY")
    store.create(outlet, "taxAreas", {"code": "OUTLET-B2C", "displayName": "Outlet consumers", "taxType": "VAT"},
                 number_value="OUTLET-B2C")
    store.create(outlet, "taxGroups", {"code": "OUTLET25", "displayName": "Outlet 25 %", "taxType": "VAT"},
                 number_value="OUTLET25")
    _connect(client, bc_sandbox, outlet)
    wizard = Wizard.objects.get(organization=owner)
    for slug in ("prepare", "markets", "flows"):
        progress.mark_done(wizard, slug)

    page = client.get(BOOKKEEPING).content.decode()

    assert '<option value="OUTLET-B2C">OUTLET-B2C — Outlet consumers</option>' in page
    assert '<option value="OUTLET25">OUTLET25 — Outlet 25 %</option>' in page
    assert "SHOP-ONLY" not in page  # the other company's groups are not offered
    assert 'name="oss-TOTAL_FORMS"' not in page  # no OSS sales accounts: BC books OSS by posting group

    form = {"oss_enabled": "on", "freight_account": 3520, "return_fee_account": 3540, "gift_card_account": 2420,
            "discount_account": 3730, "rounding_decimals": 2,
            "domestic": "OUTLET-B2C", "eu_reverse_charge": "EU", "eu_home_vat": "EU-HOME", "export": "EXPORT",
            "oss_country_0": "de", "oss_group_0": "OSS-DE", "rate_0": "25", "rate_group_0": "OUTLET25",
            "rate_1": "12", "rate_group_1": "VAT12", "rate_2": "6", "rate_group_2": "VAT6", "rate_3": "0",
            "rate_group_3": "VAT0", "rate_4": "19", "rate_group_4": "VAT19"}
    saved = client.post(BOOKKEEPING, form)

    assert saved.status_code == 302, saved.content.decode()
    groups = PostingGroups.objects.get(integration=wizard.integration)
    assert (groups.domestic, groups.oss) == ("OUTLET-B2C", {"DE": "OSS-DE"})
    assert groups.vat_products == {"25": "OUTLET25", "12": "VAT12", "6": "VAT6", "0": "VAT0", "19": "VAT19"}


def test_with_posting_groups_the_bookkeeping_step_asks_no_sales_accounts_only_the_free_rows_accounts(
        client, owner, bc_sandbox):
    _connect(client, bc_sandbox, bc_sandbox.companies[0])
    wizard = Wizard.objects.get(organization=owner)
    for slug in ("prepare", "markets", "flows"):
        progress.mark_done(wizard, slug)

    page = client.get(BOOKKEEPING).content.decode()

    for name in ("sales_account_25", "sales_account_12", "sales_account_6", "sales_account_0",
                 "eu_reverse_charge_account", "eu_vat_account", "export_account"):
        assert f'name="{name}"' not in page
    assert "<h3>Sales</h3>" not in page
    for name in ("freight_account", "freight_article", "discount_account", "discount_article", "return_fee_account",
                 "return_fee_article", "gift_card_account", "gift_card_skus"):
        assert f'name="{name}"' in page

    answer = client.post(BOOKKEEPING, {"freight_account": 3520, "return_fee_account": 3540,
                                       "gift_card_account": 2420, "rounding_decimals": 2})
    assert answer.status_code == 400  # no sales account to fall back on for a discount
    assert "Give the G/L account discounts are booked on (or a discount item)" in answer.content.decode()
    assert 'value="3520"' in answer.content.decode()  # nothing typed is lost


def test_prepare_checks_no_sales_accounts_in_an_erp_that_books_by_posting_groups(client, owner, bc_sandbox):
    from integrations.services.prepare import needs_of
    from mappings.services import bookkeeping_for

    _connect(client, bc_sandbox, bc_sandbox.companies[0])
    integration = Wizard.objects.get(organization=owner).integration
    bookkeeping = bookkeeping_for(integration)
    bookkeeping.oss_enabled = False
    bookkeeping.discount_account = 3730
    bookkeeping.save()

    needs, _local = needs_of(integration, [])

    assert [purpose for purpose, _number in needs.accounts] == ["shipping", "return fees", "discounts"]


def test_a_posting_group_row_half_filled_says_what_is_missing(client, owner, bc_sandbox):
    _connect(client, bc_sandbox, bc_sandbox.companies[0])
    wizard = Wizard.objects.get(organization=owner)
    for slug in ("prepare", "markets", "flows"):
        progress.mark_done(wizard, slug)

    answer = client.post(BOOKKEEPING, {"sales_account_25": 3001, "sales_account_12": 3002, "sales_account_6": 3003,
                                       "sales_account_0": 3004, "eu_reverse_charge_account": 3108,
                                       "eu_vat_account": 3106, "export_account": 3105, "freight_account": 3520,
                                       "return_fee_account": 3540, "gift_card_account": 2420, "rounding_decimals": 2,
                                       "oss_country_0": "FR", "rate_0": "5.5", "oss_country_1": "France",
                                       "oss_group_1": "OSS-FR"})

    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Choose the VAT business posting group of OSS sales to FR." in page
    assert "Choose the VAT product posting group of 5.5 % VAT." in page
    assert "Give the country&#x27;s two-letter ISO code, e.g. DE." in page


def test_prepare_asks_for_an_oss_posting_group_not_oss_accounts_when_bc_books_by_groups(client, owner, sandbox,
                                                                                        bc_sandbox):
    centra.create_market(sandbox.store, "Germany", country_codes=("DE",), currency="EUR")
    _connect(client, bc_sandbox, bc_sandbox.companies[0])

    page = client.get(reverse("onboarding:wizard-prepare")).content.decode()

    assert "OSS posting group for DE" in page
    assert "VAT business posting group for DE" in page
    assert "OSS accounts for DE" not in page  # Fortnox's way: sales accounts per rate
    integration = Wizard.objects.get(organization=owner).integration
    PostingGroups.objects.update_or_create(integration=integration, defaults={"oss": {"DE": "OSS-DE"}})
    assert "OSS posting group for DE" not in client.get(reverse("onboarding:wizard-prepare")).content.decode()
