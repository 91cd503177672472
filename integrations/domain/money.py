"""Money: the one rounding policy of the engine, the one Fortnox computes invoice rows with.

Fortnox stores a row's `Price` and `DeliveredQuantity` (and we send `Discount` the same way) rounded
to 2 decimals, half up (1.125 -> 1.13, fortnox.md §5.2 and §7), and computes the row total as
price × quantity less the discount, rounded the same way. Documents, mappings, transforms and
payloads all round through this module, so an amount we compute is the amount the ERP computes.

Totals are never rounded here: an invoice's rows add up to Centra's total to the öre. A tenant
that rounds totals to whole units (a Fortnox company setting) gets the difference from Fortnox
itself, as `RoundOff` on its own account; we send no rounding row.

This module imports nothing of Junipeer's: it is the bottom of the domain.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")
HUNDRED = Decimal("100")


def decimal(value) -> Decimal:
    """A Decimal from a Decimal, int, str or float (a float by its shortest text, never its binary value)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def round_money(value, places: int = 2) -> Decimal:
    """Half up to `places` decimals (2: öre/cent, 0: whole units)."""
    return decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def row_total(unit_price, quantity, discount_percent=ZERO) -> Decimal:
    """What Fortnox makes of a row: price and quantity (and the percent discount) as it stores them,
    then price × quantity less the discount, rounded half up to the öre."""
    gross = round_money(unit_price) * round_money(quantity)
    return round_money(gross - gross * round_money(discount_percent) / HUNDRED)


def split(amount: Decimal, weights: dict) -> list[tuple[object, Decimal]]:
    """`amount` shared over the keys of `weights` in proportion, to the öre, in sorted key order.

    Each key gets the rounded cumulative share less what the keys before it got, so the shares add
    up to `amount` exactly (the last key takes the rest) and none goes below zero on the way.
    Keys whose share is zero are left out; without any weight the whole amount goes to the highest key.
    """
    amount = decimal(amount)
    if not amount or not weights:
        return []
    total = sum(weights.values(), ZERO)
    keys = sorted(weights)
    if not total:
        return [(keys[-1], amount)]
    shares, running, given = [], ZERO, ZERO
    for index, key in enumerate(keys):
        running += weights[key]
        upto = amount if index == len(keys) - 1 else round_money(amount * running / total)
        share, given = upto - given, upto
        if share:
            shares.append((key, share))
    return shares


def percent_text(rate) -> str:
    """A VAT rate as people write it: 25, 5.5, 25.5 — never 2E+1 or 25.00."""
    return format(decimal(rate).normalize(), "f")
