"""Products, derived SKUs, stock and the data quirks real tenants have."""

from decimal import Decimal

from sandbox.centra import services as centra

SIZES = "query($where: ProductSizeFilter) { productSizes(where: $where) { id SKU EAN sizeNumber description } }"


def test_sku_is_derived_from_product_variant_and_size_numbers(centra_gql, centra_store):
    body = centra_gql(centra_store, SIZES, {"where": {"SKU": ["WC100CAM38"]}}).json()

    assert [(s["SKU"], s["EAN"], s["sizeNumber"]) for s in body["data"]["productSizes"]] == [
        ("WC100CAM38", "7350012345678", "38"),
    ]


def test_sizes_without_numbers_share_the_style_number_as_sku(centra_gql, centra_store):
    centra.create_product(centra_store, "WS200", "Wool Scarf (reissue)", status="INACTIVE")

    body = centra_gql(centra_store, SIZES, {"where": {"SKU": "WS200"}}).json()

    assert [s["SKU"] for s in body["data"]["productSizes"]] == ["WS200", "WS200"]
    assert all(s["EAN"] is None for s in body["data"]["productSizes"])


def test_empty_sku_is_possible(centra_gql, centra_store):
    centra.create_product(centra_store, "", "Gift wrap")

    body = centra_gql(centra_store, SIZES, {"where": {"SKU": [""]}}).json()

    assert [s["SKU"] for s in body["data"]["productSizes"]] == [""]


def test_products_filter_by_status(centra_gql, centra_store):
    centra.create_product(centra_store, "OLD1", "Old", status="CANCELLED")

    body = centra_gql(centra_store, "{ products(where: {status: [CANCELLED, INACTIVE]}) { productNumber status "
                      "variants { variantNumber productSizes { SKU } } } }").json()

    assert body["data"]["products"] == [
        {"productNumber": "OLD1", "status": "CANCELLED", "variants": [{"variantNumber": "", "productSizes": [
            {"SKU": "OLD1"}]}]},
    ]


def test_set_stock_and_read_stock_totals(centra_gql, centra_store, centra_order):
    warehouse = centra_store.warehouses.get()
    coat = centra_order.lines.order_by("id").first().size
    query = ("mutation($w: Int!, $v: Int!) { setStock(input: {warehouse: {id: $w}, description: \"ERP nightly\", "
             "stockQuantityType: PHYSICAL, productVariants: [{productVariant: {id: $v}, sizeStockLevels: "
             "[{size: {name: \"38\"}, quantity: 12}, {size: {name: \"40\"}, quantity: 0}]}]}) "
             "{ stockChanges { id } userErrors { message path } } }")

    result = centra_gql(centra_store, query, {"w": warehouse.pk, "v": coat.variant_id}).json()["data"]["setStock"]
    totals = centra_gql(centra_store, "query($id: Int!) { productSizes(where: {id: [$id]}) { stockTotals "
                        "{ physicalQuantity availableQuantity unshippedQuantity } } }",
                        {"id": coat.pk}).json()["data"]["productSizes"][0]["stockTotals"]

    assert result["userErrors"] == []
    assert len(result["stockChanges"]) == 1
    assert totals == {"physicalQuantity": 12, "availableQuantity": 11, "unshippedQuantity": 1}


def test_set_stock_for_an_inactive_size_is_a_user_error(centra_gql, centra_store):
    warehouse = centra_store.warehouses.get()
    variant = centra_store.products.get(product_number="WC100").variants.get()
    query = ("mutation($w: Int!, $v: Int!) { setStock(input: {warehouse: {id: $w}, productVariants: "
             "[{productVariant: {id: $v}, sizeStockLevels: [{size: {name: \"XXL\"}, quantity: 1}]}]}) "
             "{ stockChanges { id } userErrors { message path } } }")

    result = centra_gql(centra_store, query, {"w": warehouse.pk, "v": variant.pk}).json()["data"]["setStock"]

    assert result["stockChanges"] is None
    assert result["userErrors"][0]["path"] == ["input", "productVariants", "0", "sizeStockLevels", "0", "size"]


def test_change_stock_moves_between_warehouses(centra_store):
    main = centra_store.warehouses.get()
    outlet = centra.create_warehouse(centra_store, "Outlet")
    size = centra.size_by_sku(centra_store, "WC100CAM38")
    centra.set_stock(centra_store, main, size, 5)

    centra.change_stock(centra_store, {
        "outFromWarehouse": {"id": main.pk}, "intoWarehouse": {"id": outlet.pk},
        "productVariants": [{"productVariant": {"id": size.variant_id},
                             "sizeChanges": [{"size": {"id": size.pk}, "deliveredQuantity": 2}]}],
    })

    assert centra.stock_totals(size, main)["physicalQuantity"] == 3
    assert centra.stock_totals(size, outlet)["physicalQuantity"] == 2


def test_shipping_deducts_physical_stock(centra_store, centra_order):
    size = centra.size_by_sku(centra_store, "WC100CAM38")
    centra.set_stock(centra_store, centra_store.warehouses.get(), size, 3)

    centra.complete_shipment(centra.create_shipment(centra_order))

    assert centra.stock_totals(size)["physicalQuantity"] == 2


def test_multi_currency_non_eu_order(centra_gql, centra_store, centra_customer):
    centra.create_order(centra_store, customer=centra_customer, currency="NOK", conversion_rate=Decimal("0.98"),
                        country_code="NO", lines=[{"sku": "WS200", "quantity": 1, "unit_price": Decimal("199")}])

    order = centra_gql(centra_store, "{ orders { market { name } pricelist { name } grandTotal { value "
                       "formattedValue currency { code } conversionRate } billingAddress { country { code isEU } } } }"
                       ).json()["data"]["orders"][0]

    assert order == {
        "market": {"name": "Norway"}, "pricelist": {"name": "NOK"},
        "grandTotal": {"value": 199.0, "formattedValue": "199.00 NOK", "currency": {"code": "NOK"},
                       "conversionRate": 0.98},
        "billingAddress": {"country": {"code": "NO", "isEU": False}},
    }


def test_fully_cancelled_lines_are_hidden_unless_asked_for(centra_gql, centra_store, centra_customer):
    centra.create_order(centra_store, customer=centra_customer, lines=[
        {"sku": "WS200", "quantity": 1, "unit_price": Decimal("149")},
        {"sku": "WC100CAM40", "quantity": 0, "cancelled_quantity": 1, "unit_price": Decimal("1350")},
    ])

    order = centra_gql(centra_store, "{ orders { lines { id } all: lines(includeFullyCancelled: true) { "
                       "cancelledQuantity } } }").json()["data"]["orders"][0]

    assert len(order["lines"]) == 1
    assert [line["cancelledQuantity"] for line in order["all"]] == [0, 1]


def test_same_email_can_belong_to_two_customers(centra_gql, centra_store, centra_customer):
    centra.create_customer(centra_store, centra_customer.email, "Anna", "Berg", is_registered=False)

    body = centra_gql(centra_store, '{ customers(where: {email: {equals: "ANNA.berg@example.com"}}) { id } '
                      "counters { customers orders products } }").json()

    assert len(body["data"]["customers"]) == 2
    assert body["data"]["counters"] == {"customers": 2, "orders": 0, "products": 2}


def test_countries_and_currencies(centra_gql, centra_store):
    body = centra_gql(centra_store, "{ countries(where: {isEU: false}) { code } "
                      "currencies(where: {isBase: true}) { code } }").json()

    assert {"NO", "CH", "GB"} <= {c["code"] for c in body["data"]["countries"]}
    assert body["data"]["currencies"] == [{"code": "SEK"}]
