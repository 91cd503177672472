"""Named value transforms used by field mappings: small, pure, and safe on bad input.

A transform takes the resolved source value, the mapping's argument and the record (for
templates), and returns the value to send. Text helpers used by the mapping code live here too;
money is rounded by the engine's one policy (`integrations.domain.money`).
"""

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from integrations.domain.money import round_money

from .paths import render


def text(value) -> str:
    """Any scalar as text; None as empty. Objects and lists are not text and are refused."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return str(value)


def truncate(value: str, length: int) -> str:
    return value if len(value) <= length else value[:length]


def _date(value, argument):
    if not value:
        return value
    moment = value if isinstance(value, (date, datetime)) else datetime.fromisoformat(str(value).replace(" ", "T"))
    return moment.strftime(argument or "%Y-%m-%d")


def _round2(value, argument):
    try:
        return round_money(Decimal(str(value)), int(argument or 2)) if value not in (None, "") else value
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not a number") from exc


def _org_number(value, argument):
    """A Swedish organisation number from a Swedish VAT number (SE + 10 digits + 01)."""
    digits = re.sub(r"\D", "", text(value))
    if text(value).upper().startswith("SE") and len(digits) == 12 and digits.endswith("01"):
        return f"{digits[:6]}-{digits[6:10]}"
    return ""


TRANSFORMS = {
    "truncate": lambda value, argument, record: truncate(text(value), int(argument)) if argument else text(value),
    "round2": lambda value, argument, record: _round2(value, argument),
    "upper": lambda value, argument, record: text(value).upper(),
    "lower": lambda value, argument, record: text(value).lower(),
    "strip": lambda value, argument, record: text(value).strip(),
    "date": lambda value, argument, record: _date(value, argument),
    "default": lambda value, argument, record: value if value not in (None, "") else argument,
    "constant": lambda value, argument, record: argument,
    "template": lambda value, argument, record: render(argument, record),
    "coalesce": lambda value, argument, record: value if value not in (None, "") else render(argument, record),
    "org_number": lambda value, argument, record: _org_number(value, argument),
    # value_map is applied by the mapping set, which holds the integration's value maps
    "value_map": lambda value, argument, record: value,
}
