"""Prices per variant and pricelist (centra.md §3.7: Centra prices variants, not sizes).

[?] SIMULATED: Centra documents that prices are per variant per pricelist and that `setPrices`
exists, not the API shape. Changing a price does not touch the product's `updatedAt` and emits no
event here: whether real Centra does either is unknown.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction

from ..errors import UserError
from ..models import Price, Pricelist, ProductSize, ProductVariant, Store

MAX_AMOUNT = Decimal(10) ** 12  # what Price.amount holds


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"Not an amount: {value!r}") from exc
    if not amount.is_finite() or not 0 <= amount < MAX_AMOUNT:
        raise ValueError(f"A price cannot be {value!r}")
    return amount.quantize(Decimal("0.01"))


def set_price(store: Store, variant_or_size: ProductVariant | ProductSize, pricelist_name: str, amount) -> Price:
    """Set a variant's price on the store's pricelist `pricelist_name`; a size stands for its variant."""
    variant = variant_or_size.variant if isinstance(variant_or_size, ProductSize) else variant_or_size
    if variant.product.store_id != store.pk:
        raise ValueError(f"Variant {variant.pk} is not in {store}")
    pricelist = store.pricelists.filter(name=pricelist_name).first()
    if pricelist is None:
        raise Pricelist.DoesNotExist(f"No pricelist {pricelist_name!r} in {store.slug}")
    price, _ = Price.objects.update_or_create(variant=variant, pricelist=pricelist,
                                              defaults={"amount": _amount(amount)})
    return price


@transaction.atomic
def set_prices(store: Store, data: dict) -> tuple[Pricelist, list[Price]]:
    """The setPrices mutation: all prices are set, or none when one of them is refused."""
    ref = data.get("pricelist") or {}
    pricelist = store.pricelists.filter(pk=ref.get("id")).first()
    if pricelist is None:
        raise UserError(f"Could not find pricelist with ID {ref.get('id')}", ("input", "pricelist"))
    prices = []
    for index, item in enumerate(data.get("prices") or ()):
        path = ("input", "prices", index)
        variant_id = (item.get("productVariant") or {}).get("id")
        variant = ProductVariant.objects.filter(product__store=store, pk=variant_id).first()
        if variant is None:
            raise UserError(f"Could not find product variant with ID {variant_id}", (*path, "productVariant"))
        value = item["price"]
        code = value.get("currencyIsoCode")
        if code and code != pricelist.currency:
            raise UserError(f"Currency {code} does not match the pricelist currency {pricelist.currency}",
                            (*path, "price", "currencyIsoCode"))
        try:
            amount = _amount(value["value"])
        except ValueError as exc:
            raise UserError(str(exc), (*path, "price", "value")) from exc
        price, _ = Price.objects.update_or_create(variant=variant, pricelist=pricelist, defaults={"amount": amount})
        prices.append(price)
    return pricelist, prices
