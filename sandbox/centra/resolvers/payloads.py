"""Mutation payloads: business-rule failures become `userErrors` with HTTP 200 (centra.md §2.5)."""

import functools
from decimal import Decimal

from ..errors import UserError


def mutation(permission: str, payload_key: str):
    """Check the write permission, run the mutation, and shape its payload.

    The wrapped function gets `(info, warnings, **args)` and returns the payload object (or a dict
    of payload fields); raising UserError leaves the object null and reports the error.
    """

    def decorator(func):
        @functools.wraps(func)
        def resolve(_root, info, **args):
            info.context.require(permission, info.field_name)
            warnings: list[UserError] = []
            try:
                result = func(info, warnings, **args)
            except UserError as error:
                result, errors = None, [error.as_dict()]
            else:
                errors = []
            payload = result if isinstance(result, dict) else {payload_key: result}
            return {**payload, "userErrors": errors, "userWarnings": [warning.as_dict() for warning in warnings]}

        return resolve

    return decorator


def amount(value: dict | None, order, path) -> Decimal | None:
    """A MonetaryValueInput in the order's currency."""
    if value is None:
        return None
    code = value.get("currencyIsoCode")
    if code and code != order.currency:
        raise UserError(f"Currency {code} does not match the order currency {order.currency}", path)
    return Decimal(str(value["value"]))


def visible(info, order, path):
    """Objects outside a restricted token's store are reported as not found."""
    channel_id = info.context.principal.channel_id
    if channel_id and order.channel_id != channel_id:
        raise UserError("Could not find the object", path)
    return order
