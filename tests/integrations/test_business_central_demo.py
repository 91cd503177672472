"""The demo's second shop runs on Business Central: its shipments and returns reach BC as posted
invoices and a credit memo, through the same flows as the Fortnox shop."""

import pytest

from integrations.flows.runner import run_flow
from integrations.models import Flow, SyncRecord
from sandbox import demo, demo_business_central
from sandbox.business_central import services as bc
from sandbox.business_central.models import Company
from sandbox.business_central.ratelimit import limits

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_business_central_shop_gets_posted_invoices_and_a_linked_credit_memo(live_server):
    limits.reset()
    demo.seed(live_server.url, fast=True)
    integration = demo_business_central.seed(live_server.url, fast=True)  # seeding again changes nothing

    orders = run_flow(integration.flows.get(kind=Flow.Kind.ORDERS))
    refunds = run_flow(integration.flows.get(kind=Flow.Kind.REFUNDS))

    assert (orders.created, orders.failed) == (4, 0), list(SyncRecord.objects.filter(status="failed").values_list(
        "error_code", "message"))
    assert (refunds.created, refunds.failed) == (1, 0)
    company = Company.objects.get(name="NORDIC OUTERWEAR")
    invoices = [i for i in bc.invoices(company) if i["status"] != "Draft"]
    assert {i["currencyCode"] for i in invoices} == {"SEK", "EUR", "NOK"}
    [credit] = bc.credit_memos(company)
    assert credit["invoiceNumber"] in {i["number"] for i in invoices}
    german = next(i for i in invoices if i["currencyCode"] == "EUR")
    assert {line["taxCode"] for line in german["salesInvoiceLines"]} == {"VAT19"}  # OSS Germany at Centra's rate


def test_the_tenants_sandbox_environment_holds_a_test_company_to_onboard_in_get_started(live_server):
    limits.reset()
    demo.seed(live_server.url, fast=True)

    test_company = Company.objects.get(environment__name="sandbox", environment__tenant=demo_business_central.TENANT)

    assert test_company.display_name == "Nordic Outerwear AB (test)"
    assert all(bc.item(test_company, sku)["inventory"] == 40 for sku, _, _ in demo_business_central.ITEMS)
    assert not bc.invoices(test_company)
