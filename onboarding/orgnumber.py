"""Swedish organisation numbers: ten digits (NNNNNN-NNNN), the last a Luhn check digit."""

import re

DIGITS = re.compile(r"^(?:16)?(\d{6})-?(\d{4})$")


def normalise(value: str) -> str | None:
    """`556677-8899` form, or None when `value` is not a valid organisation number."""
    match = DIGITS.match(re.sub(r"\s", "", value or ""))
    if not match:
        return None
    digits = match.group(1) + match.group(2)
    total = 0
    for index, char in enumerate(digits):
        n = int(char) * (2 if index % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    if total % 10:
        return None
    return f"{digits[:6]}-{digits[6:]}"
