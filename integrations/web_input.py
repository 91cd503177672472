"""Numbers read from URLs and forms by the console, the shop owners' area and the API.

Python's `str.isdigit` accepts "²" and `int` accepts "１"; a database refuses an id past its column.
Each surface reads an id, a page or a count through `whole_number`, so odd input is "not found" or a
field message, never a 500.
"""

LARGEST_ID = 2**31 - 1  # the smallest id column any supported database has


def whole_number(text, largest: int = LARGEST_ID) -> int | None:
    """`text` as a whole number from 1 to `largest` when it is written in ASCII digits, else None."""
    text = str(text) if text is not None else ""
    if text.isascii() and text.isdecimal() and 0 < int(text) <= largest:
        return int(text)
    return None
