"""Get Started steps 3-8 against the sandbox over HTTP: the ERP checklist, markets, flows,
bookkeeping, a test sync that creates real invoices in the Fortnox sandbox, and going live."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations import queue
from integrations.models import Flow, Integration, SyncRecord, SyncRun
from integrations.services import test_sync
from mappings.models import Bookkeeping, OssAccount
from onboarding import wizard_steps
from onboarding.models import Wizard
from sandbox.centra import services as centra
from sandbox.centra.models import Shipment
from sandbox.fortnox import services as fortnox
from sandbox.fortnox.models import Currency, Invoice

from .test_wizard_connect import _connected_centra, _consent


@pytest.fixture
def connected(client, sandbox, monkeypatch):
    """Centra and Fortnox connected through steps 1-2, with a Swedish and a test market and one
    shipped order; queued tasks run at once (as a worker would, over HTTP against the sandbox)."""
    centra.create_market(sandbox.store, "Sweden", country_codes=("SE",), currency="SEK")
    centra.create_market(sandbox.store, "Test market", country_codes=("SE",), currency="SEK")
    centra.create_market(sandbox.store, "Germany", country_codes=("DE",), currency="EUR")
    for number, name in (("WS200", "Wool Scarf"), ("SOCK900", "Wool Socks")):
        centra.create_product(sandbox.store, number, name, variants=[
            {"variant_number": "", "name": "Grey", "sizes": [{"name": "One Size", "size_number": ""}]}])
    fortnox.create_article(sandbox.tenant, "WS200", "Wool Scarf")  # SOCK900 is not in Fortnox
    order = centra.create_order(sandbox.store, email="anna@example.com", country_code="SE", shipping=Decimal("49"),
                                lines=[{"sku": "WS200", "quantity": 1, "unit_price": Decimal("149"),
                                        "original_price": Decimal("149"), "tax_percent": Decimal(25)}])
    centra.create_shipment(order)
    organization = _connected_centra(client, sandbox)
    client.get(_consent(client, sandbox, tenant=sandbox.tenant.name).replace(sandbox.url, ""))
    ran = []

    def run_now(tasks, **kwargs):
        for path, args in tasks:
            module, name = path.rsplit(".", 1)
            ran.append(getattr(import_module(module), name)(*args))

    monkeypatch.setattr(queue, "async_chain", run_now)
    client.ran = ran
    return Wizard.objects.get(organization=organization)


def test_prepare_lists_a_missing_currency_with_how_to_add_it_and_blocks_until_added(client, sandbox, connected):
    Currency.objects.filter(tenant=sandbox.tenant, code="EUR").delete()
    page = client.get(reverse("onboarding:wizard-prepare")).content.decode()
    assert "Currency EUR" in page
    assert "Add EUR in Fortnox under Inställningar" in page
    assert client.post(reverse("onboarding:wizard-prepare")).status_code == 400
    Currency.objects.create(tenant=sandbox.tenant, code="EUR", description="Euro", buy_rate=11, sell_rate=11, unit=1)
    answer = client.post(reverse("onboarding:wizard-prepare"))
    assert answer["Location"] == reverse("onboarding:wizard-markets")


def test_prepare_offers_to_create_a_configured_article_fortnox_lacks(client, sandbox, connected):
    Bookkeeping.objects.update_or_create(integration=connected.integration, defaults={"freight_article": "FRAKT"})
    page = client.get(reverse("onboarding:wizard-prepare")).content.decode()
    assert "Article FRAKT for shipping" in page
    assert 'value="freight_article"' in page
    client.post(reverse("onboarding:wizard-prepare"), {"create": "freight_article"})
    assert 'value="freight_article"' not in client.get(reverse("onboarding:wizard-prepare")).content.decode()
    assert sandbox.tenant.articles.filter(article_number="FRAKT").exists()


def test_markets_step_leaves_test_markets_unchosen_by_default(client, sandbox, connected):
    client.post(reverse("onboarding:wizard-prepare"))
    page = client.get(reverse("onboarding:wizard-markets")).content.decode()
    assert "Test market" in page
    assert "(test market)" in page
    assert "checked" in page.split('value="Sweden"')[1].split(">")[0]
    assert "checked" not in page.split('value="Test market"')[1].split(">")[0]
    answer = client.post(reverse("onboarding:wizard-markets"), {"markets": ["Sweden", "Germany"]})
    assert answer["Location"] == reverse("onboarding:wizard-flows")
    assert Bookkeeping.objects.get(integration=connected.integration).markets == ["Sweden", "Germany"]


def test_markets_step_refuses_an_empty_choice_and_keeps_the_step_open(client, sandbox, connected):
    client.post(reverse("onboarding:wizard-prepare"))
    answer = client.post(reverse("onboarding:wizard-markets"), {})
    assert answer.status_code == 400
    assert "Choose at least one market" in answer.content.decode()
    assert "markets" not in Wizard.objects.get(pk=connected.pk).done


def _through_markets(client):
    client.post(reverse("onboarding:wizard-prepare"))
    client.post(reverse("onboarding:wizard-markets"), {"markets": ["Sweden"]})


def test_flows_step_saves_the_chosen_flows_and_the_invoice_trigger(client, sandbox, connected):
    _through_markets(client)
    page = client.get(reverse("onboarding:wizard-flows")).content.decode()
    assert "One invoice per shipment" in page
    assert "ERP → Centra" in page
    answer = client.post(reverse("onboarding:wizard-flows"), {"flow_orders": "on", "flow_refunds": "on",
                                                              "trigger": "shipment_shipped"})
    assert answer["Location"] == reverse("onboarding:wizard-bookkeeping")
    flows = {f.kind: f for f in connected.integration.flows.all()}
    assert flows["orders"].enabled
    assert flows["refunds"].enabled
    assert not flows["customers"].enabled
    assert flows["orders"].trigger == Flow.Trigger.SHIPMENT_SHIPPED


def _limit_token(wizard, token):
    from integrations.connections import set_credentials
    set_credentials(wizard.integration.source, api_token=token)


def test_flows_chosen_at_step_5_are_checked_against_the_centra_token_before_they_are_saved(
        client, sandbox, connected):
    _through_markets(client)
    _limit_token(connected, sandbox.token_with("Order:read", "Shipment:read", "Market:read", "Return:read",
                                                "Customer:read"))
    answer = client.post(reverse("onboarding:wizard-flows"), {"flow_orders": "on", "flow_products": "on",
                                                              "trigger": "shipment_shipped"})
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "The token lacks the Product:read permission, which Products / articles need." in page
    assert "The token lacks the ProductSize:read permission" in page
    assert "edit this token and tick Product:read" in page  # step 1's wording
    assert "checked" in page.split('name="flow_products"')[1].split(">")[0]  # nothing ticked is lost
    assert "checked" in page.split('value="shipment_shipped"')[1].split(">")[0]
    assert not connected.integration.flows.get(kind="products").enabled  # nothing saved
    assert "flows" not in Wizard.objects.get(pk=connected.pk).done


def test_the_stock_flow_needs_a_token_that_may_write_stock(client, sandbox, connected):
    _through_markets(client)
    _limit_token(connected, sandbox.token_with("Order:read", "Shipment:read", "Market:read", "ProductSize:read",
                                                "Warehouse:read"))
    answer = client.post(reverse("onboarding:wizard-flows"), {"flow_orders": "on", "flow_stock": "on",
                                                              "trigger": "shipment_created"})
    assert answer.status_code == 400
    assert "The token lacks the StockChange:write permission" in answer.content.decode()
    _limit_token(connected, sandbox.token_with("Order:read", "Shipment:read", "Market:read", "ProductSize:read",
                                                "Warehouse:read", "StockChange:write"))
    answer = client.post(reverse("onboarding:wizard-flows"), {"flow_orders": "on", "flow_stock": "on",
                                                              "trigger": "shipment_created"})
    assert answer["Location"] == reverse("onboarding:wizard-bookkeeping")
    assert connected.integration.flows.get(kind="stock").enabled
    assert not sandbox.store.stock_changes.exists()  # the write probe changed nothing in Centra


def _through_flows(client):
    _through_markets(client)
    client.post(reverse("onboarding:wizard-flows"), {"flow_orders": "on", "flow_customers": "on",
                                                     "flow_refunds": "on", "trigger": "shipment_created"})


def _bookkeeping_post(**extra):
    data = {"sales_account_25": 3001, "sales_account_12": 3002, "sales_account_6": 3003, "sales_account_0": 3004,
            "eu_reverse_charge_account": 3108, "eu_vat_account": 3106, "export_account": 3105,
            "oss_enabled": "on", "freight_account": 3520, "return_fee_account": 3540, "gift_card_account": 2420,
            "rounding_decimals": 2, "gift_card_skus": "GIFT100, GIFT500",
            "oss-TOTAL_FORMS": 2, "oss-INITIAL_FORMS": 0, "oss-MIN_NUM_FORMS": 0, "oss-MAX_NUM_FORMS": 1000,
            "oss-0-country_code": "de", "oss-0-vat_rate": "19", "oss-0-sales_account": 3051}
    data.update(extra)
    return data


def test_bookkeeping_is_prefilled_from_fortnox_and_saves_oss_rows_per_country_and_rate(client, sandbox, connected):
    _through_flows(client)
    Bookkeeping.objects.update_or_create(integration=connected.integration, defaults={"freight_account": 3999})
    page = client.get(reverse("onboarding:wizard-bookkeeping")).content.decode()
    assert 'name="freight_account" value="3520"' in page  # Fortnox's predefined FREIGHT account
    assert "oss-0-country_code" in page
    assert "<textarea" not in page
    answer = client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())
    assert answer["Location"] == reverse("onboarding:wizard-test")
    row = OssAccount.objects.get(integration=connected.integration)
    assert (row.country_code, row.vat_rate, row.sales_account) == ("DE", Decimal("19"), 3051)
    assert Bookkeeping.objects.get(integration=connected.integration).gift_card_skus == ["GIFT100", "GIFT500"]


def test_bookkeeping_refuses_an_account_that_is_not_four_digits_and_keeps_the_rest(client, sandbox, connected):
    _through_flows(client)
    answer = client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post(freight_account=35))
    page = answer.content.decode()
    assert answer.status_code == 400
    assert 'name="freight_account" value="35"' in page
    assert 'value="3051"' in page  # the OSS row typed is not lost


def test_test_sync_shows_the_invoice_beside_the_shipment_then_creates_it_with_trigger_wizard(
        client, sandbox, connected):
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())
    page = client.get(reverse("onboarding:wizard-test")).content.decode()
    assert "Shipment" in page
    assert "→ invoice" in page
    assert "198.00 SEK" in page  # Centra's total: 149 + 49 shipping
    assert "Total SEK" in page
    assert not Invoice.objects.filter(tenant=sandbox.tenant).exists()  # a dry run sends nothing
    shipment_id = page.split('name="shipments" value="')[1].split('"')[0]
    client.post(reverse("onboarding:wizard-test"), {"shipments": [shipment_id]})
    invoice = Invoice.objects.get(tenant=sandbox.tenant)
    assert invoice.total == Decimal("198.00")
    run = SyncRun.objects.get(flow__integration=connected.integration, flow__kind="orders")
    assert run.trigger == SyncRun.Trigger.WIZARD
    fragment = client.get(reverse("onboarding:wizard-test-progress")).content.decode()
    assert 'value="100"' in fragment
    assert "Next: go live" in fragment
    assert "test" in Wizard.objects.get(pk=connected.pk).done


def test_a_failed_test_record_shows_its_code_advice_and_the_step_that_fixes_it(client, sandbox, connected):
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())
    order = centra.create_order(sandbox.store, email="bo@example.com", country_code="SE",
                                lines=[{"sku": "SOCK900", "quantity": 1, "unit_price": Decimal("100"),
                                        "original_price": Decimal("100"), "tax_percent": Decimal(25)}])
    shipment = centra.create_shipment(order)
    client.post(reverse("onboarding:wizard-test"), {"shipments": [str(shipment.pk)]})
    fragment = client.get(reverse("onboarding:wizard-test-progress")).content.decode()
    assert "unknown_sku" in fragment
    assert f'href="{reverse("onboarding:wizard-prepare")}"' in fragment
    assert "Next: go live" not in fragment
    assert "Go live anyway" in fragment  # a failed record stays in the sync log; it does not hold the shop back
    assert "test" in Wizard.objects.get(pk=connected.pk).done


def test_a_return_of_a_shipment_older_than_the_test_is_shown_as_waiting_for_its_invoice(client, sandbox, connected):
    """A credit invoice credits an invoice of this integration: the preview credits a shipment the
    test invoices, and says of an older one (never invoiced here) why no credit would be made."""
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())
    [old] = Shipment.objects.filter(order__store=sandbox.store)
    newest = [centra.create_shipment(centra.create_order(
        sandbox.store, email=f"c{n}@example.com", country_code="SE",
        lines=[{"sku": "WS200", "quantity": 1, "unit_price": Decimal("149"), "original_price": Decimal("149"),
                "tax_percent": Decimal(25)}])) for n in range(test_sync.HOW_MANY)]  # `old` falls out of the test
    old_return, new_return = (
        centra.complete_return(centra.create_return(centra.complete_shipment(shipment), [(shipment.lines.get().pk, 1)]))
        for shipment in (old, newest[-1]))

    page = client.get(reverse("onboarding:wizard-test")).content.decode()

    assert f"Return R{old_return.pk} credits shipment {old.number}, which was shipped before this test" in page
    errors = {c.reference: c.error for c in test_sync.candidates(connected.integration)}
    assert errors[f"R{old_return.pk}"] == "original_invoice_missing"
    assert errors[f"R{new_return.pk}"] == ""  # its shipment is invoiced by this very test


def test_a_discounted_row_shows_its_discount_so_its_sum_adds_up(client, sandbox, connected):
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())
    centra.create_shipment(centra.create_order(
        sandbox.store, email="sale@example.com", country_code="SE",
        lines=[{"sku": "WS200", "quantity": 1, "unit_price": Decimal("134.10"), "original_price": Decimal("149"),
                "tax_percent": Decimal(25)}]))

    page = client.get(reverse("onboarding:wizard-test")).content.decode()

    assert page.count("<th>Discount %</th>") == 1  # only the discounted shipment's table has the column
    assert "<td>149.00</td><td>10</td><td>25</td><td>134.10</td>" in page


def test_a_test_sync_creates_only_the_shipments_the_owner_chose(client, sandbox, connected):
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())
    page = client.get(reverse("onboarding:wizard-test")).content.decode()
    chosen = page.split('name="shipments" value="')[1].split('"')[0]
    other = centra.create_shipment(centra.create_order(  # changed just now: an incremental pass would read it
        sandbox.store, email="other@example.com", country_code="SE",
        lines=[{"sku": "SOCK900", "quantity": 1, "unit_price": Decimal("100"), "original_price": Decimal("100"),
                "tax_percent": Decimal(25)}]))

    client.post(reverse("onboarding:wizard-test"), {"shipments": [chosen]})

    references = list(Invoice.objects.filter(tenant=sandbox.tenant).values_list("external_invoice_reference1",
                                                                                 flat=True))
    assert references == [f"centra-shipment-{chosen}"]
    assert not SyncRecord.objects.filter(source_id=str(other.pk)).exists()  # not even read


def test_a_test_sync_refuses_a_shipment_the_page_did_not_offer_and_starts_nothing(client, sandbox, connected):
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())

    answer = client.post(reverse("onboarding:wizard-test"), {"shipments": ["999999"]})

    assert answer.status_code == 400
    assert "Not among the shipments and returns offered for the test: shipment 999999." in answer.content.decode()
    assert "test_sync" not in Wizard.objects.get(pk=connected.pk).facts
    assert not SyncRun.objects.filter(flow__integration=connected.integration).exists()


def test_a_test_sync_never_turns_on_a_flow_the_owner_turned_off(client, sandbox, connected):
    _through_markets(client)
    client.post(reverse("onboarding:wizard-flows"), {"flow_orders": "on", "trigger": "shipment_created"})

    with pytest.raises(ValueError, match="flow is off: turn it on at the Flows step"):
        test_sync.start(connected.integration, {"refunds": ["1"]})

    assert not connected.integration.flows.get(kind="refunds").enabled


def test_a_test_sync_of_a_record_centra_does_not_have_still_finishes(client, sandbox, connected):
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())

    started = test_sync.start(connected.integration, {"orders": ["999999"]})  # the service, as the API calls it

    state = test_sync.progress(connected.integration, timezone.datetime.fromisoformat(started["started"]),
                               started["count"], started["kinds"])
    assert state.finished
    assert state.percent == 100
    assert not state.records


def test_go_live_shows_the_webhook_and_switches_the_draft_to_live_from_the_exclusion_date(
        client, sandbox, connected):
    _through_flows(client)
    client.post(reverse("onboarding:wizard-bookkeeping"), _bookkeeping_post())
    Wizard.objects.filter(pk=connected.pk).update(done=["centra", "erp", "prepare", "markets", "flows",
                                                        "bookkeeping", "test"])
    page = client.get(reverse("onboarding:wizard-golive")).content.decode()
    integration = Integration.objects.get(pk=connected.integration_id)
    assert f"/hooks/centra/{integration.slug}/{integration.webhook_token}/" in page
    secret = integration.source.credentials["webhook_secret"]
    assert secret in page
    checked = client.post(reverse("onboarding:wizard-golive"), {"check_webhook": "1"}, follow=True)
    assert "Nothing has arrived yet" in checked.content.decode()
    answer = client.post(reverse("onboarding:wizard-golive"), {"sync_from": "2024-01-01"})
    assert answer["Location"] == reverse("onboarding:home")
    integration.refresh_from_db()
    assert integration.status == Integration.Status.LIVE
    assert timezone.localtime(integration.sync_from).date().isoformat() == "2024-01-01"


def test_go_live_refuses_a_backfill_before_the_exclusion_date(client, sandbox, connected):
    Wizard.objects.filter(pk=connected.pk).update(done=["centra", "erp", "prepare", "markets", "flows",
                                                        "bookkeeping", "test"])
    answer = client.post(reverse("onboarding:wizard-golive"), {"sync_from": "2024-02-01", "backfill": "on",
                                                                "backfill_from": "2024-01-01"})
    assert answer.status_code == 400
    assert "start the backfill on or after it" in answer.content.decode()
    assert Integration.objects.get(pk=connected.integration_id).status == Integration.Status.DRAFT


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_go_live_refuses_an_exclusion_or_backfill_day_out_of_range_beside_its_field(client, sandbox, connected, day):
    Wizard.objects.filter(pk=connected.pk).update(done=["centra", "erp", "prepare", "markets", "flows",
                                                        "bookkeeping", "test"])
    excluded = client.post(reverse("onboarding:wizard-golive"), {"sync_from": day})
    backfilled = client.post(reverse("onboarding:wizard-golive"), {"sync_from": "2024-01-01", "backfill": "on",
                                                                    "backfill_from": day})

    assert (excluded.status_code, backfilled.status_code) == (400, 400)  # never a 500
    assert "Give a day from 2000-01-01 to" in excluded.content.decode()
    assert ("Give a day from 2000-01-01 on." if day < "2000" else "A backfill starts today or earlier.") \
        in backfilled.content.decode()
    assert Integration.objects.get(pk=connected.integration_id).status == Integration.Status.DRAFT


@pytest.mark.parametrize(("value", "shown"), [(Decimal("10"), "10"), (Decimal("20"), "20"), (Decimal("5.50"), "5.5"),
                                              (Decimal("2.000"), "2")])
def test_quantities_and_vat_rates_read_as_people_write_them(value, shown):
    from onboarding.templatetags.owners import number

    assert number(value) == shown


@pytest.mark.parametrize(("code", "step"), [
    ("unmapped_oss_rate", "bookkeeping"), ("unmapped_vat", "bookkeeping"), ("unknown_sku", "prepare"),
    ("auth_expired", "erp"), ("invalid_article_number", None), ("original_invoice_missing", None),
])
def test_a_failed_test_record_links_to_the_step_that_fixes_it_or_to_none(code, step):
    assert wizard_steps._fix_url(code) == (reverse(f"onboarding:wizard-{step}") if step else None)
