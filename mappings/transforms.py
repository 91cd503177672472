"""Named value transforms used by mappings: small, pure, and safe on bad input."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def text(value) -> str:
    """Any scalar as text; None as empty. Objects and lists are not text and are refused."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return str(value)


def money(value: Decimal) -> Decimal:
    """Round to the öre, half up, as Fortnox stores prices."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def truncate(value: str, length: int) -> str:
    return value if len(value) <= length else value[:length]
