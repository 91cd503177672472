"""Centra sizes become Fortnox articles (article number = SKU), once each, kept up to date."""

import json
import re
from decimal import Decimal

import pytest
import responses
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


# --- prices: Centra answered by a stub (the Centra sandbox has no prices), Fortnox is the sandbox ---

STUB_CENTRA = "https://shop.centra.test"
SEK = {"id": 1, "name": "SEK", "status": "ACTIVE", "currency": {"code": "SEK"}}


def centra_stub(products, prices):
    """Answers the products flow's GraphQL queries from `products` and `prices` {variant id: value}."""

    def answer(request):
        body = json.loads(request.body)
        name = re.match(r"\s*query (\w+)", body["query"]).group(1)
        where = body["variables"].get("where") or {}
        if name == "Products":
            data = {"products": products if body["variables"]["page"] == 1 else []}
        elif name == "Pricelists":
            data = {"pricelists": [SEK] if where["name"]["equals"] == "SEK" else []}
        else:
            data = {"prices": [{"productVariant": {"id": v}, "price": {"value": p, "currency": {"code": "SEK"}}}
                               for v, p in prices.items() if v in where["productVariantId"]]}
        return 200, {}, json.dumps({"data": data})

    return answer


def product(variant_id=31, sizes=(("311", "SHOE38", "38"),)):
    return {"id": 3, "name": "Runner", "status": "ACTIVE", "productNumber": "SHOE",
            "updatedAt": "2025-01-01T10:00:00+01:00",
            "variants": [{"id": variant_id, "name": "White", "status": "ACTIVE", "variantNumber": "",
                          "productSizes": [{"id": int(i), "SKU": sku, "EAN": "", "description": d, "sizeNumber": d}
                                           for i, sku, d in sizes]}]}


@pytest.fixture
def priced(shop, live_server):
    source = shop.integration.source
    source.base_url = STUB_CENTRA
    source.save(update_fields=["base_url"])
    set_options(shop, pricelist="SEK")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(live_server.url)
        yield shop, mock


def test_sales_price_comes_from_the_configured_pricelist(priced):
    shop, mock = priced
    mock.add_callback(responses.POST, f"{STUB_CENTRA}/graphql", callback=centra_stub([product()], {31: 1299.5}))

    run = run_flow(products_flow(shop))

    assert run.created == 1
    assert fortnox.price_of(shop.tenant, "SHOE38", "A") == Decimal("1299.50")
    assert "Price 1299.50 on Fortnox price list A (Centra pricelist SEK)" in record(run, "311").message


def test_changed_price_updates_the_fortnox_price_only(priced):
    shop, mock = priced
    prices = {31: 1299}
    mock.add_callback(responses.POST, f"{STUB_CENTRA}/graphql", callback=centra_stub([product()], prices))
    run_flow(products_flow(shop))
    prices[31] = 999

    run = run_flow(products_flow(shop))

    assert (run.created, run.updated) == (0, 1)
    assert fortnox.price_of(shop.tenant, "SHOE38") == Decimal("999")
    assert shop.tenant.articles.filter(article_number="SHOE38").count() == 1


def test_price_goes_to_the_configured_fortnox_price_list(priced):
    shop, mock = priced
    fortnox.create_price_list(shop.tenant, "WEB")
    set_options(shop, price_list="WEB")
    mock.add_callback(responses.POST, f"{STUB_CENTRA}/graphql", callback=centra_stub([product()], {31: 500}))

    run_flow(products_flow(shop))

    assert fortnox.price_of(shop.tenant, "SHOE38", "WEB") == Decimal("500")
    assert fortnox.price_of(shop.tenant, "SHOE38", "A") is None


def test_missing_fortnox_price_list_fails_the_record_and_is_retried_once_created(priced):
    shop, mock = priced
    set_options(shop, price_list="WEB")
    mock.add_callback(responses.POST, f"{STUB_CENTRA}/graphql", callback=centra_stub([product()], {31: 500}))

    failed = run_flow(products_flow(shop))
    fortnox.create_price_list(shop.tenant, "WEB")
    retried = run_flow(products_flow(shop))

    assert record(failed, "311").error_code == "price_list_missing"
    assert record(retried, "311").status == "updated"
    assert fortnox.price_of(shop.tenant, "SHOE38", "WEB") == Decimal("500")


def test_unknown_centra_pricelist_fails_the_run(priced):
    shop, mock = priced
    set_options(shop, pricelist="EUR")
    mock.add_callback(responses.POST, f"{STUB_CENTRA}/graphql", callback=centra_stub([product()], {}))

    run = run_flow(products_flow(shop))

    assert (run.status, run.error_code) == ("failed", "price_list_missing")
    assert "EUR" in run.error_message
