"""Centra's catalog: products with their variants and sizes, warehouses, pricelists, stock.

SKUs and EANs are not unique in Centra (centra.md §6): look-ups by them return every matching
size, each with its product's status, and the caller decides which one is meant.
"""

from dataclasses import dataclass
from decimal import Decimal

from .client import CentraClient

PAGE_SIZE = 100

SIZE_FIELDS = """
    id SKU EAN description
    productVariant { id name status product { id name status productNumber } }
"""
SIZE_STOCK_FIELDS = SIZE_FIELDS + " stockTotals { physicalQuantity }"
PRODUCT_FIELDS = """
    id name status productNumber updatedAt
    variants { id name status variantNumber productSizes { id SKU EAN description sizeNumber } }
"""

SIZES_QUERY = """
query Sizes($where: ProductSizeFilter, $limit: Int!, $page: Int!) {
  productSizes(where: $where, sort: [id_ASC], limit: $limit, page: $page) { %s }
}
"""
PRODUCTS_QUERY = f"""
query Products($where: ProductFilter, $limit: Int!, $page: Int!) {{
  products(where: $where, sort: [updatedAt_ASC, id_ASC], limit: $limit, page: $page) {{ {PRODUCT_FIELDS} }}
}}
"""
WAREHOUSES_QUERY = """
query Warehouses($where: WarehouseFilter) { warehouses(where: $where, sort: [id_ASC], limit: 10) { id name status } }
"""
PRICELISTS_QUERY = """
query Pricelists($where: PricelistFilter) {
  pricelists(where: $where, sort: [id_ASC], limit: 10) { id name status currency { code } }
}
"""
# [?] Centra has `Price`, `PriceFilter` and `PriceSort` types (centra-schema/graphdoc-2021-type-names),
# so a root `prices` list exists; its filter and field names here are inferred, not documented.
PRICES_QUERY = """
query Prices($where: PriceFilter, $limit: Int!, $page: Int!) {
  prices(where: $where, limit: $limit, page: $page) { productVariant { id } price { value currency { code } } }
}
"""
SET_STOCK_MUTATION = """
mutation SetStock($input: SetStockInput!) {
  setStock(input: $input) { stockChanges { id } userErrors { message path } }
}
"""


@dataclass
class CentraCatalog:
    client: CentraClient

    def _all(self, query: str, key: str, variables: dict) -> list[dict]:
        """Every page of a page/limit list: a short page is the last (centra.md §2.2)."""
        items, page = [], 1
        while True:
            rows = self.client.graphql(query, {**variables, "limit": PAGE_SIZE, "page": page})[key]
            items.extend(rows)
            if len(rows) < PAGE_SIZE:
                return items
            page += 1

    # --- sizes and stock ------------------------------------------------------------------------

    def sizes(self, where: dict, *, with_stock: bool = False) -> list[dict]:
        query = SIZES_QUERY % (SIZE_STOCK_FIELDS if with_stock else SIZE_FIELDS)
        return self._all(query, "productSizes", {"where": where})

    def sizes_by_sku(self, skus: list[str], *, with_stock: bool = False) -> list[dict]:
        return self.sizes({"SKU": skus}, with_stock=with_stock) if skus else []

    def sizes_by_ean(self, eans: list[str], *, with_stock: bool = False) -> list[dict]:
        return self.sizes({"EAN": eans}, with_stock=with_stock) if eans else []

    def set_stock(self, *, warehouse_id: int, variant_id: int, size_id: int, quantity: int,
                  description: str) -> None:
        """Absolute physical stock of one size: Centra derives free-to-allocate itself (§3.6)."""
        self.client.mutate(SET_STOCK_MUTATION, {"input": {
            "warehouse": {"id": warehouse_id}, "description": description, "stockQuantityType": "PHYSICAL",
            "productVariants": [{"productVariant": {"id": variant_id},
                                 "sizeStockLevels": [{"size": {"id": size_id}, "quantity": quantity}]}],
        }})

    def warehouse(self, ref: str) -> dict | None:
        """A warehouse by id (digits) or by exact name."""
        ref = str(ref).strip()
        where = {"id": [int(ref)]} if ref.isdigit() else {"name": {"equals": ref}}
        found = self.client.graphql(WAREHOUSES_QUERY, {"where": where})["warehouses"]
        return next((w for w in found if ref.isdigit() or w["name"] == ref), None)

    # --- products and prices --------------------------------------------------------------------

    def products_page(self, *, updated_from: str | None, page: int, limit: int) -> list[dict]:
        where = {"updatedAt": {"from": updated_from}} if updated_from else {}
        return self.client.graphql(PRODUCTS_QUERY, {"where": where, "limit": limit, "page": page})["products"]

    def products_by_id(self, product_ids: list[int]) -> list[dict]:
        return self._all(PRODUCTS_QUERY, "products", {"where": {"id": product_ids}}) if product_ids else []

    def pricelist(self, name: str) -> dict | None:
        found = self.client.graphql(PRICELISTS_QUERY, {"where": {"name": {"equals": name}}})["pricelists"]
        return next((p for p in found if p["name"] == name), None)

    def variant_prices(self, pricelist_id: int, variant_ids: list[int]) -> dict[int, Decimal]:
        """Price per variant on one pricelist (Centra prices variants, not sizes: §3.7)."""
        if not variant_ids:
            return {}
        where = {"pricelistId": [pricelist_id], "productVariantId": variant_ids}
        rows = self._all(PRICES_QUERY, "prices", {"where": where})
        return {int(row["productVariant"]["id"]): Decimal(str(row["price"]["value"])) for row in rows}
