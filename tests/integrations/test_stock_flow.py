"""Fortnox stock reaches the right Centra size, once per change, and drift is corrected nightly."""

from decimal import Decimal

import pytest
from django_q.models import Schedule

from integrations.flows.runner import run_flow
from integrations.flows.stock import centra_quantity, choose_size
from integrations.models import Flow, SyncRecord
from integrations.queue import ensure_stock_reconciliation_schedules
from sandbox.centra import services as centra
from sandbox.centra.models import StockChange
from sandbox.centra.services.setup import sizes_with_sku
from sandbox.fortnox import articles as fortnox_articles
from sandbox.fortnox import services as fortnox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(world):
    """The shared world plus a Centra warehouse "Main" and an enabled stock flow into it."""
    world.warehouse = centra.create_warehouse(world.store, "Main")
    Flow.objects.create(integration=world.integration, kind=Flow.Kind.STOCK, enabled=True,
                        options={"warehouse": "Main"})
    return world


def stock_flow(world) -> Flow:
    return world.integration.flows.get(kind=Flow.Kind.STOCK)


def set_options(world, **options):
    flow = stock_flow(world)
    flow.options = {**flow.options, **options}
    flow.save(update_fields=["options"])


def fortnox_stock(world, number, quantity):
    fortnox_articles.update(world.tenant, number, {"QuantityInStock": quantity})


def centra_physical(size) -> int:
    return centra.stock_totals(size)["physicalQuantity"]


def record(run, source_id) -> SyncRecord:
    return SyncRecord.objects.get(run=run, source_id=source_id)


def test_fortnox_stock_becomes_physical_stock_of_the_matching_centra_size(shop):
    fortnox_stock(shop, "COAT", 7)
    fortnox_stock(shop, "SCARF", 12)

    run = run_flow(stock_flow(shop))

    assert (run.status, run.updated, run.skipped, run.failed) == ("succeeded", 2, 1, 0)  # SHIRT: 0 = 0
    assert centra_physical(centra.size_by_sku(shop.store, "COAT")) == 7
    assert centra_physical(centra.size_by_sku(shop.store, "SCARF")) == 12
    assert centra_physical(centra.size_by_sku(shop.store, "SHIRT")) == 0
    assert record(run, "COAT").message.startswith("Drift: Centra had 0, Fortnox has 7.")


def test_duplicate_sku_stock_goes_to_active_product_first(shop):
    older = centra.create_product(shop.store, "COAT", "Wool Coat AW23", status="INACTIVE")
    cancelled = centra.create_product(shop.store, "COAT", "Wool Coat SS22", status="CANCELLED")
    first = shop.store.products.get(product_number="COAT", status="ACTIVE")
    first.status = "CANCELLED"  # so the one active product is the newest, not the lowest id
    first.save(update_fields=["status"])
    newest_active = centra.create_product(shop.store, "COAT", "Wool Coat AW24")
    fortnox_stock(shop, "COAT", 4)

    run = run_flow(stock_flow(shop))

    def coat_stock(product):
        return centra_physical(product.variants.get().sizes.get())

    assert coat_stock(newest_active) == 4
    assert [coat_stock(p) for p in (first, older, cancelled)] == [0, 0, 0]
    message = record(run, "COAT").message
    assert f"chose 'Wool Coat AW24' (product {newest_active.pk}, ACTIVE)" in message
    assert f"'Wool Coat AW23' (product {older.pk}, INACTIVE)" in message


def test_inactive_product_wins_over_cancelled_and_ties_go_to_the_oldest():
    def size(product_id, status):
        return {"id": product_id * 10, "SKU": "X", "productVariant": {
            "id": product_id, "product": {"id": product_id, "name": f"P{product_id}", "status": status}}}

    chosen, note = choose_size([size(1, "CANCELLED"), size(3, "INACTIVE"), size(2, "INACTIVE")])

    assert chosen["id"] == 20
    assert note.startswith("X is on 3 Centra products: chose 'P2' (product 2, INACTIVE)")


def test_only_changed_quantities_are_pushed_on_incremental_runs(shop):
    fortnox_stock(shop, "COAT", 5)
    first = run_flow(stock_flow(shop))
    pushes = StockChange.objects.filter(store=shop.store).count()

    unchanged = run_flow(stock_flow(shop))  # the overlap lists the same articles again
    fortnox_stock(shop, "SCARF", 9)
    changed = run_flow(stock_flow(shop))

    assert (first.updated, first.skipped) == (1, 2)
    assert (unchanged.updated, unchanged.skipped) == (0, 3)
    assert StockChange.objects.filter(store=shop.store).count() == pushes + 1
    assert (changed.updated, changed.skipped) == (1, 2)
    assert centra_physical(centra.size_by_sku(shop.store, "SCARF")) == 9
    assert stock_flow(shop).cursor["modified_since"]


def test_reconciliation_corrects_drift_and_reports_how_many(shop):
    fortnox_stock(shop, "COAT", 5)
    fortnox_stock(shop, "SCARF", 2)
    run_flow(stock_flow(shop))
    coat = centra.size_by_sku(shop.store, "COAT")
    centra.set_stock(shop.store, shop.warehouse, coat, 3)  # sold in a pop-up, edited by hand …
    centra.set_stock(shop.store, shop.warehouse, centra.size_by_sku(shop.store, "SHIRT"), 8)

    incremental = run_flow(stock_flow(shop))  # nothing changed in Fortnox: drift goes unnoticed
    nightly = run_flow(stock_flow(shop), full=True)

    assert incremental.updated == 0
    assert (nightly.status, nightly.updated, nightly.skipped) == ("succeeded", 2, 1)
    assert centra_physical(coat) == 5
    assert centra_physical(centra.size_by_sku(shop.store, "SHIRT")) == 0
    assert record(nightly, "COAT").message.startswith("Drift: Centra had 3, Fortnox has 5.")
    assert "correction" in record(nightly, "SHIRT").message
    assert stock_flow(shop).cursor["reconciliation"] == {"run": nightly.pk, "compared": 3, "corrected": 2}


def test_ean_matching_when_configured(shop):
    centra.create_product(shop.store, "BOOT", "Leather Boot", variants=[
        {"variant_number": "BR", "name": "Brown", "sizes": [{"name": "42", "size_number": "42",
                                                              "ean": "7350000000042"}]}])
    fortnox.create_article(shop.tenant, "F-BOOT-42", "Boot 42", ean="7350000000042", quantity_in_stock=6)

    by_sku = run_flow(stock_flow(shop))
    set_options(shop, match_on="ean")
    by_ean = run_flow(stock_flow(shop))

    assert record(by_sku, "F-BOOT-42").error_code == "sku_not_in_centra"
    assert record(by_ean, "F-BOOT-42").status == "updated"
    assert centra_physical(centra.size_by_sku(shop.store, "BOOTBR42")) == 6


def test_sku_then_ean_prefers_the_sku(shop):
    set_options(shop, match_on="sku_then_ean")
    fortnox.create_article(shop.tenant, "SOCK", "Wool Socks", ean="123", quantity_in_stock=11)

    run = run_flow(stock_flow(shop))

    assert record(run, "SOCK").status == "updated"
    assert centra_physical(centra.size_by_sku(shop.store, "SOCK")) == 11


def test_sku_without_centra_size_fails_with_what_to_do(shop):
    fortnox.create_article(shop.tenant, "GIFTWRAP", "Gift wrapping", quantity_in_stock=100)

    run = run_flow(stock_flow(shop))

    failed = record(run, "GIFTWRAP")
    assert (run.status, run.failed, run.skipped) == ("partial", 1, 3)  # the others are in step
    assert failed.error_code == "sku_not_in_centra"
    assert "Give the size this SKU in Centra" in failed.message


def test_missing_warehouse_fails_each_record_with_warehouse_missing(shop):
    set_options(shop, warehouse="Outlet")

    run = run_flow(stock_flow(shop))

    assert (run.status, run.failed) == ("partial", 3)
    assert set(SyncRecord.objects.filter(run=run).values_list("error_code", flat=True)) == {"warehouse_missing"}
    assert "Outlet" in record(run, "COAT").message


def test_warehouse_can_be_named_by_id(shop):
    set_options(shop, warehouse=str(shop.warehouse.pk))
    fortnox_stock(shop, "COAT", 2)

    run_flow(stock_flow(shop))

    assert centra_physical(centra.size_by_sku(shop.store, "COAT")) == 2


def test_unknown_match_on_fails_the_run(shop):
    set_options(shop, match_on="name")

    run = run_flow(stock_flow(shop))

    assert (run.status, run.error_code) == ("failed", "flow_misconfigured")


@pytest.mark.parametrize(("fortnox_has", "centra_gets"), [("4", 4), ("2.5", 2), ("-3", 0)])
def test_centra_gets_whole_non_negative_units(fortnox_has, centra_gets):
    assert centra_quantity(Decimal(fortnox_has))[0] == centra_gets


def test_reconciliation_schedule_per_enabled_stock_flow(world):
    nightly = Flow.objects.create(integration=world.integration, kind=Flow.Kind.STOCK, enabled=True)

    [schedule] = ensure_stock_reconciliation_schedules()
    nightly.options = {"reconcile_cron": "30 2 * * 1-5"}
    nightly.save()
    [updated] = ensure_stock_reconciliation_schedules()
    nightly.enabled = False
    nightly.save()
    remaining = ensure_stock_reconciliation_schedules()

    assert (schedule.func, schedule.cron, schedule.schedule_type) == (
        "integrations.tasks.run_flow_task", "0 3 * * *", Schedule.CRON)
    assert (schedule.args, schedule.kwargs) == (str(nightly.pk), "{'trigger': 'schedule', 'full': True}")
    assert (updated.pk, updated.cron) == (schedule.pk, "30 2 * * 1-5")
    assert remaining == []
    assert not Schedule.objects.filter(pk=schedule.pk).exists()


def test_demo_catalog_shows_every_stock_and_products_rule(live_server):
    from sandbox import demo
    from sandbox.demo_catalog import seed_stock_and_products

    integration = demo.seed(live_server.url, fast=True)
    stock, products = seed_stock_and_products(integration)
    assert seed_stock_and_products(integration) == (stock, products)  # idempotent
    store = centra.create_store("demo")

    articles = run_flow(products)
    first = run_flow(stock)
    nightly = run_flow(stock, full=True)

    codes = set(SyncRecord.objects.filter(run=articles, status="failed").values_list("error_code", flat=True))
    assert codes == {"missing_sku", "invalid_article_number"}
    assert SyncRecord.objects.filter(run=articles, message__startswith="SKU collision: WC100CAM38").exists()
    assert SyncRecord.objects.get(run=first, source_id="GIFTWRAP").error_code == "sku_not_in_centra"
    assert "chose 'Wool Coat' " in SyncRecord.objects.get(run=first, source_id="WC100CAM38").message
    assert centra_physical(store.products.get(name="Gift Card").variants.get().sizes.get()) == 50  # by EAN
    assert centra_physical(sizes_with_sku(store).get(
        derived_sku="WC100CAM38", variant__product__status="ACTIVE")) == 25
    assert (nightly.updated, nightly.failed) == (0, 1)
