"""The OData conventions of API v2.0 (business-central.md §4): etags, `$filter`, `$select`,
`$orderby`, `$top`/`$skip`, server-driven paging with `@odata.nextLink` and
`Prefer: odata.maxpagesize`.

`$filter` supports eq ne gt ge lt le, and/or/not, parentheses, `in (...)`, startswith, endswith,
contains, tolower and toupper. Comparisons are case-sensitive, as in BC.
"""

import base64
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from .errors import BCError

GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TOKEN = re.compile(
    rf"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<guid>{GUID})|(?P<datetime>\d{{4}}-\d{{2}}-\d{{2}}T[0-9:.]+Z?)"
    r"|(?P<date>\d{4}-\d{2}-\d{2})|(?P<number>-?\d+(?:\.\d+)?)|(?P<punct>[(),])|(?P<word>[A-Za-z_@][\w./@]*))"
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
FUNCTIONS = {"startswith", "endswith", "contains"}


def etag(record_id, version: int) -> str:
    """A weak etag like BC's `W/"JzE5OzI4NTY4NDc5OTgyNjM4OTU4ODQxOzAwOyc="`, new on every write."""
    inner = base64.b64encode(f"'{len(str(record_id))};{record_id}{version:012d};00;'".encode()).decode()
    return f'W/"{inner}"'


def syntax_error(detail: str) -> BCError:
    return BCError(400, "BadRequest_NotFound", f"Bad Request - Error in query syntax. {detail}")


class Parser:
    def __init__(self, text: str):
        self.tokens, position = [], 0
        text = text.strip()
        while position < len(text):
            match = TOKEN.match(text, position)
            if not match or match.end() == position:
                raise syntax_error(f"Unexpected text at {position}: {text[position:position + 20]!r}")
            kind = match.lastgroup
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1
        self.at = 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, value=None):
        kind, text = self.peek()
        if kind is None or (value is not None and text != value):
            raise syntax_error(f"Expected {value or 'more'}.")
        self.at += 1
        return kind, text

    def parse(self):
        predicate = self.disjunction()
        if self.at != len(self.tokens):
            raise syntax_error(f"Unexpected {self.peek()[1]!r}.")
        return predicate

    def disjunction(self):
        left = self.conjunction()
        while self.peek() == ("word", "or"):
            self.take()
            right, first = self.conjunction(), left
            left = lambda row, a=first, b=right: a(row) or b(row)  # noqa: E731
        return left

    def conjunction(self):
        left = self.unary()
        while self.peek() == ("word", "and"):
            self.take()
            right, first = self.unary(), left
            left = lambda row, a=first, b=right: a(row) and b(row)  # noqa: E731
        return left

    def unary(self):
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.unary()
            return lambda row: not inner(row)
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self):
        kind, word = self.peek()
        if kind == "word" and word in FUNCTIONS:
            self.take()
            self.take("(")
            operand = self.operand()
            self.take(",")
            literal = self.operand()
            self.take(")")
            test = {"startswith": str.startswith, "endswith": str.endswith,
                    "contains": lambda value, part: part in value}[word]
            return lambda row: test(str(operand(row) or ""), str(literal(row)))
        left = self.operand()
        kind, operator = self.take()
        if operator == "in":
            self.take("(")
            values = [self.operand()]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.operand())
            self.take(")")
            return lambda row: any(compare(left(row), "eq", value(row)) for value in values)
        if operator not in COMPARISONS:
            raise syntax_error(f"Unknown operator {operator!r}.")
        right = self.operand()
        return lambda row: compare(left(row), operator, right(row))

    def operand(self):
        kind, text = self.take()
        if kind == "string":
            value = text[1:-1].replace("''", "'")
            return lambda row: value
        if kind == "guid":
            return lambda row: text.lower()
        if kind in ("date", "datetime"):
            return lambda row: text
        if kind == "number":
            return lambda row: Decimal(text)
        if kind == "word" and text in ("true", "false", "null"):
            constant = {"true": True, "false": False, "null": None}[text]
            return lambda row: constant
        if kind == "word" and text in ("tolower", "toupper"):
            self.take("(")
            inner = self.operand()
            self.take(")")
            change = str.lower if text == "tolower" else str.upper
            return lambda row: change(str(inner(row) or ""))
        if kind == "word":
            return lambda row: row.get(text)
        raise syntax_error(f"Unexpected {text!r}.")


def compare(left, operator: str, right) -> bool:
    if isinstance(right, Decimal) and not isinstance(left, bool):
        try:
            left = Decimal(str(left))
        except (InvalidOperation, ValueError):
            return operator == "ne"
    elif isinstance(left, str) and isinstance(right, str) and DATETIME.match(right) and DATETIME.match(left):
        left, right = _moment(left), _moment(right)
    if operator == "eq":
        return left == right
    if operator == "ne":
        return left != right
    if left is None or right is None:
        return False
    try:
        return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[operator]
    except TypeError:
        return False


def filter_rows(rows: list[dict], expression: str | None) -> list[dict]:
    if not expression:
        return rows
    predicate = Parser(expression).parse()
    return [row for row in rows if predicate(row)]


def order_rows(rows: list[dict], orderby: str | None) -> list[dict]:
    for clause in reversed([c.strip() for c in (orderby or "").split(",") if c.strip()]):
        name, _, direction = clause.partition(" ")
        rows = sorted(rows, key=lambda row: (row.get(name) is None, _sortable(row.get(name))),
                      reverse=direction.strip().lower() == "desc")
    return rows


DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sortable(value):
    return value if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) else str(value or "")


def select(row: dict, fields: str | None) -> dict:
    if not fields:
        return row
    wanted = {name.strip() for name in fields.split(",")}
    return {key: value for key, value in row.items() if key in wanted or key.startswith("@odata")}


def page_size(request, environment) -> int | None:
    """`Prefer: odata.maxpagesize=N` (at most the server's page size, 20 000 online)."""
    match = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", request.headers.get("Prefer", ""))
    if match:
        return max(1, min(int(match.group(1)), environment.max_page_size))
    return environment.max_page_size


def listing(request, rows: list[dict], environment, context: str) -> tuple[dict, dict]:
    """A list answer (`value` + `@odata.nextLink` when more) and its extra headers."""
    query = request.GET
    rows = order_rows(filter_rows(rows, query.get("$filter")), query.get("$orderby"))
    try:
        skip = int(query.get("$skip") or 0)
        top = int(query["$top"]) if query.get("$top") else None
        offset = int(base64.urlsafe_b64decode(query["$skiptoken"]).decode()) if query.get("$skiptoken") else 0
    except ValueError as exc:
        raise syntax_error(f"Bad paging option: {exc}") from exc
    rows = rows[skip:]
    if top is not None:
        rows = rows[:top]
    size = page_size(request, environment)
    page = rows[offset:offset + size]
    body = {"@odata.context": context, "value": [select(row, query.get("$select")) for row in page]}
    if offset + size < len(rows):
        params = {k: v for k, v in query.items() if k != "$skiptoken"}
        params["$skiptoken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        body["@odata.nextLink"] = request.build_absolute_uri(request.path) + "?" + urlencode(params)
    headers = {}
    if "odata.maxpagesize" in request.headers.get("Prefer", ""):
        headers["Preference-Applied"] = f"odata.maxpagesize={size}"
    return body, headers
