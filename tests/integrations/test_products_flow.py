"""Centra sizes become Fortnox articles (article number = SKU), once each, kept up to date."""

from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.flows.runner import run_flow
from integrations.models import Flow, RecordLink, SyncRecord
from sandbox.centra import services as centra
from sandbox.fortnox import services as fortnox

pytestmark = pytest.mark.django_db(transaction=True)

COAT_SIZES = [{"name": "38", "size_number": "38", "ean": "7350012345678"},
              {"name": "40", "size_number": "40", "ean": "7350012345685"}]


@pytest.fixture
def shop(world):
    """The shared world plus an enabled products flow and a coat in two sizes."""
    Flow.objects.create(integration=world.integration, kind=Flow.Kind.PRODUCTS, enabled=True)
    world.coat = centra.create_product(world.store, "WC100", "Wool Coat", variants=[
        {"variant_number": "CAM", "name": "Camel", "sizes": COAT_SIZES}])
    return world


def products_flow(world) -> Flow:
    return world.integration.flows.get(kind=Flow.Kind.PRODUCTS)


def set_options(world, **options):
    flow = products_flow(world)
    flow.options = {**flow.options, **options}
    flow.save(update_fields=["options"])


def articles(world) -> dict[str, dict]:
    return {a.article_number: {"Description": a.description, "EAN": a.ean, **a.data}
            for a in world.tenant.articles.all()}


def size_id(product, name) -> str:
    return str(product.variants.get().sizes.get(description=name).pk)


def record(run, source_id) -> SyncRecord:
    return SyncRecord.objects.get(run=run, source_id=source_id)


def test_every_size_becomes_an_article_with_description_and_ean(shop):
    run = run_flow(products_flow(shop))

    found = articles(shop)
    assert run.status == "succeeded"
    assert found["WC100CAM38"]["Description"] == "Wool Coat Camel 38"
    assert (found["WC100CAM40"]["EAN"], found["WC100CAM40"]["Type"]) == ("7350012345685", "STOCK")
    assert record(run, size_id(shop.coat, "38")).status == "created"
    assert RecordLink.objects.get(object_type="article", source_id=size_id(shop.coat, "40")).target_id == "WC100CAM40"


def test_rerun_creates_no_duplicate_articles(shop):
    first = run_flow(products_flow(shop))
    count = shop.tenant.articles.count()

    second = run_flow(products_flow(shop))

    assert first.created == 3  # the two coat sizes and SOCK; COAT, SCARF, SHIRT already existed
    assert (second.created, second.updated, second.failed) == (0, 0, 0)
    assert second.skipped == first.created + first.updated
    assert shop.tenant.articles.count() == count


def test_article_that_already_exists_in_fortnox_is_linked_and_updated_not_duplicated(shop):
    run = run_flow(products_flow(shop))

    coat = shop.store.products.get(product_number="COAT")
    message = record(run, str(coat.variants.get().sizes.get().pk)).message
    assert message.startswith("Article COAT already existed in Fortnox: linked and updated")
    assert articles(shop)["COAT"]["Description"] == "Wool Coat One Size"
    assert shop.tenant.articles.filter(article_number="COAT").count() == 1


def test_changed_product_updates_its_articles(shop):
    run_flow(products_flow(shop))
    shop.coat.name = "Wool Coat Classic"
    shop.coat.updated_at = timezone.now()
    shop.coat.save()

    run = run_flow(products_flow(shop))

    assert (run.created, run.updated) == (0, 2)
    assert articles(shop)["WC100CAM38"]["Description"] == "Wool Coat Classic Camel 38"
    assert record(run, size_id(shop.coat, "38")).message.startswith("Article WC100CAM38 updated")


def test_service_type_from_flow_option(shop):
    set_options(shop, article_type="SERVICE")

    run_flow(products_flow(shop))

    assert {a["Type"] for a in articles(shop).values()} == {"SERVICE"}


def test_same_sku_on_two_sizes_gives_one_article_and_names_the_collision(shop):
    reissue = centra.create_product(shop.store, "WC100", "Wool Coat Reissue", variants=[
        {"variant_number": "CAM", "name": "Camel", "sizes": COAT_SIZES[:1]}])

    run = run_flow(products_flow(shop))

    assert shop.tenant.articles.filter(article_number="WC100CAM38").count() == 1
    assert articles(shop)["WC100CAM38"]["Description"] == "Wool Coat Camel 38"  # the first size keeps it
    message = record(run, size_id(reissue, "38")).message
    assert message.startswith(f"SKU collision: WC100CAM38 is also on Centra size {size_id(shop.coat, '38')}.")
    assert RecordLink.objects.get(source_id=size_id(reissue, "38")).target_id == "WC100CAM38"


def test_size_without_sku_fails_missing_sku_and_bad_sku_fails_invalid_article_number(shop):
    blank = centra.create_product(shop.store, "", "Mystery Box")
    tote = centra.create_product(shop.store, "TOTE Å", "Canvas Tote")

    run = run_flow(products_flow(shop))

    assert run.status == "partial"
    assert record(run, size_id(blank, "One Size")).error_code == "missing_sku"
    assert record(run, size_id(tote, "One Size")).error_code == "invalid_article_number"
    assert not shop.tenant.articles.filter(description__startswith="Mystery").exists()


def test_other_direction_is_refused(shop):
    set_options(shop, direction="fortnox_to_centra")

    run = run_flow(products_flow(shop))

    assert (run.status, run.error_code) == ("failed", "flow_misconfigured")
    assert "centra_to_fortnox" in run.error_message


# --- prices: Centra's pricelist from the simulator over HTTP, Fortnox is the sandbox ----------


@pytest.fixture
def priced(shop):
    """The shop with SEK and NOK pricelists, a one-size runner (SKU SHOE38), the flow reading SEK."""
    centra.create_market(shop.store, "Sweden", country_codes=("SE",), currency="SEK")
    centra.create_market(shop.store, "Norway", country_codes=("NO",), currency="NOK")
    shop.shoe = centra.create_product(shop.store, "SHOE", "Runner", variants=[
        {"variant_number": "", "name": "White", "sizes": [{"name": "38", "size_number": "38"}]}])
    set_options(shop, pricelist="SEK")
    return shop


def price(world, product, amount, pricelist="SEK"):
    centra.set_price(world.store, product.variants.get(), pricelist, amount)


def test_sales_price_comes_from_the_configured_pricelist(priced):
    price(priced, priced.shoe, "1299.50")
    price(priced, priced.shoe, 1450, pricelist="NOK")  # another pricelist: not the configured one

    run = run_flow(products_flow(priced))

    assert record(run, size_id(priced.shoe, "38")).status == "created"
    assert fortnox.price_of(priced.tenant, "SHOE38", "A") == Decimal("1299.50")
    assert "Price 1299.50 on the Fortnox default price list (Centra pricelist SEK)" in record(
        run, size_id(priced.shoe, "38")).message


def test_variant_price_goes_to_every_size_and_an_unpriced_size_keeps_its_fortnox_price(priced):
    price(priced, priced.coat, 2499)

    run = run_flow(products_flow(priced))

    assert fortnox.price_of(priced.tenant, "WC100CAM38") == fortnox.price_of(priced.tenant, "WC100CAM40") == 2499
    assert fortnox.price_of(priced.tenant, "SHOE38") is None
    assert "No price on Centra pricelist 'SEK'" in record(run, size_id(priced.shoe, "38")).message


def test_changed_price_updates_the_fortnox_price_only(priced):
    price(priced, priced.shoe, 1299)
    run_flow(products_flow(priced))
    price(priced, priced.shoe, 999)

    run = run_flow(products_flow(priced))

    assert (run.created, run.updated) == (0, 1)
    assert record(run, size_id(priced.shoe, "38")).status == "updated"
    assert fortnox.price_of(priced.tenant, "SHOE38") == Decimal("999")
    assert priced.tenant.articles.filter(article_number="SHOE38").count() == 1


def test_price_goes_to_the_configured_fortnox_price_list(priced):
    fortnox.create_price_list(priced.tenant, "WEB")
    set_options(priced, price_list="WEB")
    price(priced, priced.shoe, 500)

    run_flow(products_flow(priced))

    assert fortnox.price_of(priced.tenant, "SHOE38", "WEB") == Decimal("500")
    assert fortnox.price_of(priced.tenant, "SHOE38", "A") is None


def test_missing_fortnox_price_list_fails_the_record_and_is_retried_once_created(priced):
    set_options(priced, price_list="WEB")
    price(priced, priced.shoe, 500)

    failed = run_flow(products_flow(priced))
    fortnox.create_price_list(priced.tenant, "WEB")
    retried = run_flow(products_flow(priced))

    assert record(failed, size_id(priced.shoe, "38")).error_code == "price_list_missing"
    assert record(retried, size_id(priced.shoe, "38")).status == "updated"
    assert fortnox.price_of(priced.tenant, "SHOE38", "WEB") == Decimal("500")


def test_unknown_centra_pricelist_fails_the_run(priced):
    set_options(priced, pricelist="EUR")

    run = run_flow(products_flow(priced))

    assert (run.status, run.error_code) == ("failed", "price_list_missing")
    assert "EUR" in run.error_message


def test_demo_products_run_writes_the_sek_pricelist_to_fortnox_price_list_a(live_server):
    from sandbox import demo
    from sandbox.centra.models import Price

    integration = demo.seed(live_server.url, fast=True)
    shirt = Price.objects.filter(variant__product__product_number="LS300", pricelist__name="SEK")
    assert shirt.update(amount=Decimal("379")) == 1  # changed in Centra since seeding
    demo.seed(live_server.url, fast=True)  # idempotent: leaves the changed price as it is

    run = run_flow(integration.flows.get(kind=Flow.Kind.PRODUCTS))

    tenant = fortnox.create_tenant("Demo Fashion AB")
    assert integration.flows.get(kind=Flow.Kind.PRODUCTS).options["pricelist"] == "SEK"
    assert {number: fortnox.price_of(tenant, number, "A") for number in (
        "WC100CAM38", "WC100CAM40", "WS200", "LS300WHTS", "LS300WHTL", "SOCK900")} == {
        "WC100CAM38": 1500, "WC100CAM40": 1500, "WS200": 149, "LS300WHTS": 379, "LS300WHTL": 379, "SOCK900": 129}
    assert "Price 1500.00 on the Fortnox price list A (Centra pricelist SEK)" in SyncRecord.objects.get(
        run=run, source_ref="WC100CAM40").message
