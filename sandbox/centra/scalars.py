"""The `DateTimeTz` scalar and Centra's PHP-style `format:` argument on date fields (centra.md §2.4).

Naive input times and all output are in the tenant's timezone, which the view activates with
`django.utils.timezone.override` for the duration of a request.
"""

import re
from datetime import datetime, timedelta

from django.utils import timezone
from graphql import GraphQLError, StringValueNode

RELATIVE = re.compile(r"^([+-]?\d+)\s*(second|sec|minute|min|hour|day|week)s?(\s+ago)?$")
UNITS = {"second": "seconds", "sec": "seconds", "minute": "minutes", "min": "minutes", "hour": "hours",
         "day": "days", "week": "weeks"}


def parse_datetime_tz(value: str, now: datetime | None = None) -> datetime:
    """ISO-8601 with or without the colon in the offset, `Y-m-d H:i:s`, or a PHP relative string."""
    text = value.strip()
    now = now or timezone.now()
    lowered = text.lower()
    if lowered == "now":
        return now
    if lowered in ("today", "yesterday", "tomorrow"):
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight + timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[lowered])
    match = RELATIVE.match(lowered)
    if match:
        amount = int(match.group(1)) * (-1 if match.group(3) else 1)
        return now + timedelta(**{UNITS[match.group(2)]: amount})
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"DateTimeTz cannot represent value: {value!r}") from exc
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


PHP_FORMAT = {
    "Y": "%Y", "y": "%y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S", "D": "%a", "l": "%A",
    "M": "%b", "F": "%B", "T": "%Z",
}


def format_datetime(value: datetime | None, php_format: str | None = None) -> str | None:
    """ISO-8601 with offset in the tenant's timezone, or a PHP `date()` format string."""
    if value is None:
        return None
    local = timezone.localtime(value)
    if not php_format:
        return local.isoformat(timespec="seconds")
    out, chars = [], iter(php_format)
    for char in chars:
        if char == "\\":
            out.append(next(chars, ""))
        elif char in PHP_FORMAT:
            out.append(local.strftime(PHP_FORMAT[char]))
        elif char in "jnGU":
            out.append(str({"j": local.day, "n": local.month, "G": local.hour, "U": int(local.timestamp())}[char]))
        elif char == "O":
            out.append(local.strftime("%z"))
        elif char == "P":
            offset = local.strftime("%z")
            out.append(f"{offset[:3]}:{offset[3:]}")
        elif char == "c":
            out.append(local.isoformat(timespec="seconds"))
        else:
            out.append(char)
    return "".join(out)


def serialize(value) -> str:
    return format_datetime(value) if isinstance(value, datetime) else str(value)


def parse_value(value) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"DateTimeTz cannot represent a non-string value: {value!r}")
    try:
        return parse_datetime_tz(value)
    except ValueError as exc:
        raise GraphQLError(str(exc)) from exc


def parse_literal(node, _variables=None) -> datetime:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("DateTimeTz must be a string")
    return parse_value(node.value)
