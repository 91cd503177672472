"""Request bodies: the wrapper key, field names, types and lengths, with Fortnox's error codes."""

import datetime as dt
import json
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from . import errors
from .errors import FortnoxError

# SIMULATED: the exact set Fortnox allows in an ArticleNumber is undocumented; 2000359 is real.
ARTICLE_NUMBER_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_+./")

# Fortnox's value meaning "make this field empty" (fortnox.md §4.4).
API_BLANK = "API_BLANK"

TWO_PLACES = Decimal("0.01")


def round2(value) -> Decimal:
    """Fortnox rounds prices, quantities and stock to 2 decimals, half up (1.125 -> 1.13)."""
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def parse_body(raw: bytes, wrapper: str) -> dict:
    """The record inside `{"<Wrapper>": {...}}`; anything else is 2001392, broken JSON 2002115."""
    if not raw.strip():
        raise FortnoxError(errors.WRONG_DATA, "Ingen eller felaktig typ av data.")
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise FortnoxError(errors.BAD_JSON, "Error deserializing JSON: JSON_ERROR_SYNTAX") from exc
    if not isinstance(body, dict) or set(body) != {wrapper} or not isinstance(body[wrapper], dict):
        raise FortnoxError(errors.WRONG_DATA, "Ingen eller felaktig typ av data.")
    return body[wrapper]


def check_article_number(value: str) -> str:
    if any(char not in ARTICLE_NUMBER_CHARACTERS for char in value):
        raise FortnoxError(errors.INVALID_CHARACTERS, f"Värdet innehåller ej tillåtna tecken. ({value})")
    return value


@dataclass(frozen=True)
class Field:
    """How one body field is read. `kind`: str, int, decimal, bool, enum, date, object, list."""

    kind: str = "str"
    max_length: int = 1024
    choices: tuple = ()
    read_only: bool = False
    places: int | None = 2
    fields: dict = field(default_factory=dict)

    def clean(self, name: str, value):
        if self.kind in ("int", "decimal"):
            return self._number(name, value)
        if value is None:
            return None
        return getattr(self, f"_{self.kind}")(name, value)

    def _str(self, name, value):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise errors.invalid_value(name, value)
        value = "" if value == API_BLANK else str(value)
        if len(value) > self.max_length:
            raise errors.too_long(name, self.max_length)
        return value

    def _number(self, name, value):
        if value is None or value == API_BLANK or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise FortnoxError(errors.NOT_NUMERIC, f"Värdet måste vara numeriskt ({value})")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise FortnoxError(errors.NOT_NUMERIC, f"Värdet måste vara numeriskt ({value})") from exc
        if not number.is_finite():
            raise FortnoxError(errors.NOT_NUMERIC, f"Värdet måste vara numeriskt ({value})")
        if self.kind == "int":
            if number != number.to_integral_value():
                raise FortnoxError(errors.NOT_NUMERIC, f"Värdet måste vara numeriskt ({value})")
            return int(number)
        return round2(number) if self.places == 2 else number

    def _bool(self, name, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise FortnoxError(errors.NOT_BOOLEAN, f"Värdet måste vara en boolean ({value})")

    def _enum(self, name, value):
        if value not in self.choices:
            raise errors.invalid_value(name, value)
        return value

    def _date(self, name, value):
        if value in ("", API_BLANK):
            return None
        if not isinstance(value, str) or len(value) != 10:
            raise errors.invalid_value(name, value)
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise errors.invalid_value(name, value) from exc

    def _object(self, name, value):
        if not isinstance(value, dict):
            raise FortnoxError(errors.WRONG_DATA, "Ingen eller felaktig typ av data.")
        return clean(value, self.fields)

    def _list(self, name, value):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise FortnoxError(errors.WRONG_DATA, "Ingen eller felaktig typ av data.")
        return [clean(item, self.fields) for item in value] if self.fields else value


def clean(payload: dict, fields: dict[str, Field]) -> dict:
    """Writable fields of `payload`, coerced. Read-only fields are accepted and ignored, so a
    client may PUT back what it GOT; unknown names are 2001399."""
    cleaned = {}
    for name, value in payload.items():
        spec = fields.get(name)
        if spec is None:
            raise FortnoxError(errors.UNKNOWN_FIELD, f"Felaktigt fältnamn ({name})")
        if not spec.read_only:
            cleaned[name] = spec.clean(name, value)
    return cleaned


def require(record: dict, *names: str) -> None:
    for name in names:
        if record.get(name) in (None, ""):
            raise errors.required(name)


def to_json(value):
    """Decimals become JSON numbers (floats), recursively, for storage in JSONFields."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


# Shorthands for the resource schemas.
def S(max_length=1024):
    return Field("str", max_length=max_length)


RO = Field(read_only=True)
INT = Field("int")
DEC = Field("decimal")
BOOL = Field("bool")
DATE = Field("date")


def ENUM(*choices):
    return Field("enum", choices=choices)
