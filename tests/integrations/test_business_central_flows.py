"""A Centra shop on Business Central: the same flows, unchanged, over real HTTP against the BC simulator.

Shipments become posted sales invoices, returns become posted credit memos applied to their
invoice, each exactly once even when an answer is lost; the books are booked by posting groups.
"""

from decimal import Decimal

import pytest

from integrations.connections import erp_for
from integrations.domain.erp import SetupNeeds
from integrations.flows.runner import run_flow
from integrations.models import Flow, RecordLink, SyncRecord
from mappings.models import PostingGroups
from sandbox import faults
from sandbox.business_central import services as bc
from sandbox.business_central.ratelimit import limits
from sandbox.centra import services as centra
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
FAST = {"rate_limit": {"requests": 10_000, "per_seconds": 1}}


class BCWorld:
    def __init__(self, store, company, integration):
        self.store, self.company, self.integration = store, company, integration

    def flow(self, kind=Flow.Kind.ORDERS) -> Flow:
        flow, _ = Flow.objects.get_or_create(integration=self.integration, kind=kind,
                                             defaults={"enabled": True, "options": {}})
        return flow

    def order(self, *lines, email="anna.berg@example.com", country="SE", shipping="0", **kwargs):
        specs = [{"sku": sku, "quantity": quantity, "unit_price": Decimal(price), "original_price": Decimal(price),
                  "tax_percent": Decimal(vat)} for sku, quantity, price, vat in lines]
        billing = {"firstName": "Anna", "lastName": "Berg", "address1": "Storgatan 1", "city": "Stockholm",
                   "zipCode": "11122", "country": country, "email": email, **kwargs.pop("billing", {})}
        return centra.create_order(self.store, email=email, lines=specs, country_code=country,
                                   shipping=Decimal(shipping), billing_address=billing, **kwargs)

    def invoices(self):
        return [i for i in bc.invoices(self.company) if i["status"] != "Draft"]

    def credit_memos(self):
        return [c for c in bc.credit_memos(self.company) if c["status"] != "Draft"]


@pytest.fixture
def shop(live_server):
    limits.reset()
    unlimited = {"TEN_SECONDS": 10**9, "ONE_HOUR": 10**9}
    store = centra.create_store("bcshop", name="BC Shop", plan="enterprise", rate_limit_overrides={
        "REQUEST_COUNT": unlimited, "QUERY_COMPLEXITY": unlimited, "MUTATION_COUNT": unlimited})
    environment = bc.create_environment("bcshop.example")
    company = bc.create_company(environment, "BC SHOP", "BC Shop AB")
    bc.create_app("bcshop-client", "bcshop-secret", "bcshop.example")
    for number, name in [("COAT", "Wool Coat"), ("SCARF", "Wool Scarf")]:
        centra.create_product(store, number, name)
        bc.create_item(company, number, name, inventory=100)
    source = factories.centra_connection(base_url=f"{live_server.url}/sandbox/centra/bcshop",
                                         api_token=store.api_token, **FAST)
    target = factories.business_central_connection(
        source.organization, base_url=f"{live_server.url}/sandbox/business_central",
        auth_url=f"{live_server.url}/sandbox/business_central", tenant="bcshop.example", environment="production",
        company_id=str(company.id), client_id="bcshop-client", client_secret="bcshop-secret", **FAST)
    yield BCWorld(store, company, factories.integration(source, target, slug="bcshop"))
    faults.clear_faults()


def test_order_shipped_in_two_batches_gives_two_posted_invoices(shop):
    order = shop.order(("COAT", 1, "1500", "25"), ("SCARF", 1, "149", "25"), shipping="49")
    coat, scarf = order.lines.order_by("id")
    first, second = centra.create_shipment(order, {coat: 1}), centra.create_shipment(order, {scarf: 1})

    run = run_flow(shop.flow())

    assert (run.status, run.created, run.failed) == ("succeeded", 2, 0)
    invoices = shop.invoices()
    assert sorted(i["externalDocumentNumber"] for i in invoices) == [f"CENTRA-SHIPMENT-{first.pk}",
                                                                      f"CENTRA-SHIPMENT-{second.pk}"]
    assert {i["status"] for i in invoices} == {"Open"}
    assert sorted(Decimal(str(i["totalAmountIncludingTax"])) for i in invoices) == [Decimal("149"),
                                                                                    Decimal("1549")]
    assert {i["customerPurchaseOrderReference"] for i in invoices} == {str(order.number)}
    assert len(bc.customers(shop.company)) == 1
    links = set(RecordLink.objects.filter(object_type="invoice").values_list("target_id", flat=True))
    assert links == {i["number"] for i in invoices}  # posted numbers, not the drafts'


def test_invoice_lines_carry_the_mapped_vat_product_groups_and_the_customer_its_business_group(shop):
    centra.create_shipment(shop.order(("COAT", 1, "1500", "25"), shipping="49"))

    run_flow(shop.flow())

    [invoice] = shop.invoices()
    assert [(line["lineType"], line["lineObjectNumber"], line["taxCode"]) for line in invoice["salesInvoiceLines"]] \
        == [("Item", "COAT", "VAT25"), ("Account", "3520", "VAT25")]
    assert bc.customers(shop.company)[0]["taxAreaDisplayName"] == "Domestic customers"


def test_partial_return_gives_a_credit_memo_applied_to_its_invoice(shop):
    shipment = centra.create_shipment(shop.order(("COAT", 1, "1500", "25"), ("SCARF", 2, "149", "25")))
    centra.complete_shipment(shipment)
    run_flow(shop.flow())
    line = shipment.lines.get(order_line__size__variant__product__product_number="SCARF")
    ret = centra.create_return(shipment, {line: 1})
    centra.complete_return(ret)

    run = run_flow(shop.flow(Flow.Kind.REFUNDS))

    assert (run.created, run.failed) == (1, 0)
    [invoice], [credit] = shop.invoices(), shop.credit_memos()
    assert credit["externalDocumentNumber"] == f"CENTRA-RETURN-{ret.pk}"
    assert (credit["invoiceId"], credit["invoiceNumber"]) == (invoice["id"], invoice["number"])
    assert Decimal(str(credit["totalAmountIncludingTax"])) == Decimal("149.00")
    assert [(ln["lineObjectNumber"], ln["quantity"]) for ln in credit["salesCreditMemoLines"]
            if ln["lineType"] == "Item"] == [("SCARF", 1)]
    assert Decimal(str(invoice["remainingAmount"])) == Decimal("1798.00") - Decimal("149.00")


def test_lost_response_after_create_does_not_duplicate_the_invoice(shop):
    shipment = centra.create_shipment(shop.order(("COAT", 1, "1500", "25")))
    faults.set_faults("business_central", next_lost_response=3)  # customer, draft and posting answers lost

    first = run_flow(shop.flow())
    second = run_flow(shop.flow())

    documents = bc.invoices(shop.company)
    assert [d["externalDocumentNumber"] for d in documents] == [f"CENTRA-SHIPMENT-{shipment.pk}"]
    assert documents[0]["status"] == "Open"
    assert len(bc.customers(shop.company)) == 1
    outcomes = list(SyncRecord.objects.filter(source_id=str(shipment.pk)).values_list("status", flat=True))
    assert "created" in outcomes
    assert first.created + second.created == 1
    assert RecordLink.objects.get(object_type="invoice").target_id == documents[0]["number"]


def test_an_unmapped_vat_rate_fails_the_record_with_its_own_code(shop):
    groups, _ = PostingGroups.objects.get_or_create(integration=shop.integration)
    groups.vat_products = {"25": "VAT25"}
    groups.save()
    centra.create_shipment(shop.order(("COAT", 1, "1060", "6")))

    run = run_flow(shop.flow())

    record = SyncRecord.objects.get(run=run)
    assert (run.failed, record.error_code) == (1, "unmapped_vat_product_group")
    assert "6 %" in record.message
    assert bc.invoices(shop.company) == []


def test_an_oss_country_without_a_business_group_fails_with_its_own_code(shop):
    centra.create_shipment(shop.order(("COAT", 1, "1190", "19"), country="DE", email="max@example.de"))

    run = run_flow(shop.flow())

    record = SyncRecord.objects.get(run=run)
    assert record.error_code == "unmapped_vat_business_group"
    assert "OSS DE" in record.message


def test_an_oss_sale_is_booked_on_the_countrys_business_group_at_centras_rate(shop):
    groups, _ = PostingGroups.objects.get_or_create(integration=shop.integration)
    groups.oss = {"DE": "OSS-DE"}
    groups.vat_products = {**groups.vat_products, "19": "VAT19"}
    groups.save()
    centra.create_shipment(shop.order(("COAT", 1, "1190", "19"), country="DE", email="max@example.de",
                                      currency="EUR"))

    run = run_flow(shop.flow())

    assert (run.created, run.failed) == (1, 0)
    [invoice] = shop.invoices()
    assert [(ln["taxCode"], ln["taxPercent"]) for ln in invoice["salesInvoiceLines"]] == [("VAT19", 19.0)]
    assert Decimal(str(invoice["totalTaxAmount"])) == Decimal("190.00")


def test_the_setup_checklist_reads_what_the_company_holds(shop):
    erp = erp_for(shop.integration.target)

    items = erp.check_setup(SetupNeeds(currencies=("SEK", "EUR", "JPY"), vat_rates=(Decimal(25), Decimal(8)),
                                       accounts=(("shipping", 3520), ("return fees", 3999), ("discounts", 3000)),
                                       articles=(("shipping", "COAT"), ("discounts", "DISCOUNT"))))

    assert [(item.kind, item.key, item.ok) for item in items] == [
        ("currency", "SEK", True), ("currency", "EUR", True), ("currency", "JPY", False),
        ("vat_rate", "25", True), ("vat_rate", "8", False),
        ("account", "3520", True), ("account", "3999", False), ("account", "3000", False),
        ("article", "COAT", True), ("article", "DISCOUNT", False)]
    assert all(item.how_to_fix for item in items if not item.ok)


def test_environment_and_company_are_chosen_after_the_credentials_are_checked(shop):
    """The wizard's order: credentials first, then the tenant's environments, then the environment's companies."""
    target = shop.integration.target
    target.credentials = {**target.credentials, "company_id": ""}
    target.save()
    bc.create_environment("bcshop.example", "sandbox", type="Sandbox")
    erp = erp_for(target)

    environments = erp.environments()
    companies = erp.companies()
    reached = erp.check()

    assert environments == [("production", "Production"), ("sandbox", "Sandbox")]
    assert companies == [(str(shop.company.id), "BC Shop AB")]
    assert reached.name == "BC Shop AB"  # the environment's only company, used when none is chosen
