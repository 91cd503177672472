"""Dotted paths into source records: `shippingAddress.country.code`, `lines.0.productSize.SKU`."""

import string

_MISSING = object()


def resolve(record, path: str, default=None):
    """The value at `path`, or `default` when any step is missing (never raises on bad shapes)."""
    value = record
    for step in path.split("."):
        if isinstance(value, dict):
            value = value.get(step, _MISSING)
        elif isinstance(value, list) and step.isdigit():
            index = int(step)
            value = value[index] if index < len(value) else _MISSING
        else:
            value = _MISSING
        if value is _MISSING or value is None:
            return default
    return value


class _Fields(string.Formatter):
    def __init__(self, record):
        self.record = record

    def get_field(self, field_name, args, kwargs):
        value = resolve(self.record, field_name, "")
        return ("" if isinstance(value, (dict, list)) else value), field_name


def render(template: str, record) -> str:
    """`"{billingAddress.firstName} {billingAddress.lastName}"` filled from `record`, blanks for gaps."""
    return " ".join(_Fields(record).format(template).split())
