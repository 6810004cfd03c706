"""Turning client input into attrs models, with every bad field reported at once.

The contract's rules are `Annotated` types: `Annotated[str, Text(3, 32)]` is a string of 3 to
32 characters. The converters in serialization.py structure each field through its rule's
`check` (from a query string, the text is first read as the field's type: `int_from_text`,
`bool_from_text`); cattrs' detailed validation runs every field and gathers the failures into
one ClassValidationError, which `structure_request` turns into FastAPI's 422 shape, in field
order.
"""

import re
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_args, get_origin

import attrs
from cattrs import BaseConverter, ClassValidationError
from cattrs.errors import AttributeValidationNote
from email_validator import EmailNotValidError

from socialproof.emails import normalize_email
from socialproof.errors import RequestValidationError

MAX_BIGINT = 2**63 - 1

Model = TypeVar("Model")


class FieldError(ValueError):
    """One field's problem, named by a FastAPI/pydantic error type."""

    def __init__(self, type_: str, msg: str) -> None:
        super().__init__(msg)
        self.type = type_
        self.msg = msg


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Rules: `check(value)` returns the field's value or raises FieldError.


class Rule:
    def check(self, value: object) -> Any:
        raise NotImplementedError


@attrs.frozen
class Text(Rule):
    min_length: int
    max_length: int
    pattern: str | None = None
    _regex: re.Pattern[str] | None = attrs.field(init=False, eq=False, repr=False)

    @_regex.default
    def _compile(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern) if self.pattern else None

    def check(self, value: object) -> str:
        if not isinstance(value, str):
            raise FieldError("string_type", "Input should be a valid string")
        if len(value) < self.min_length:
            raise FieldError(
                "string_too_short",
                f"String should have at least {_plural(self.min_length, 'character')}",
            )
        if len(value) > self.max_length:
            raise FieldError(
                "string_too_long",
                f"String should have at most {_plural(self.max_length, 'character')}",
            )
        if self._regex is not None and not self._regex.fullmatch(value):
            raise FieldError(
                "string_pattern_mismatch", f"String should match pattern '{self.pattern}'"
            )
        if "\x00" in value:  # PostgreSQL text cannot hold NUL
            raise FieldError("string_pattern_mismatch", "String should not contain NUL characters")
        return value


@attrs.frozen
class Integer(Rule):
    ge: int
    le: int

    def check(self, value: object) -> int:
        # A float with nothing after the point (5.0) counts as that integer, as in JSON Schema
        # and in FastAPI; 5.5 does not.
        if type(value) is float:
            if not value.is_integer():
                raise FieldError(
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part",
                )
            value = int(value)
        if type(value) is not int:  # bool is an int subclass, and is not accepted
            raise FieldError("int_type", "Input should be a valid integer")
        if value < self.ge:
            raise FieldError(
                "greater_than_equal", f"Input should be greater than or equal to {self.ge}"
            )
        if value > self.le:
            raise FieldError("less_than_equal", f"Input should be less than or equal to {self.le}")
        return value


@attrs.frozen
class Boolean(Rule):
    def check(self, value: object) -> bool:
        if type(value) is not bool:
            raise FieldError("bool_type", "Input should be a valid boolean")
        return value


def email_address(value: object) -> str:
    """A syntactically valid email in email-validator's normalized form: the one place the
    request rules decide what an email address is."""
    if not isinstance(value, str):
        raise FieldError("string_type", "Input should be a valid string")
    try:
        return normalize_email(value)
    except EmailNotValidError as error:
        raise FieldError("value_error", f"value is not a valid email address: {error}") from None


@attrs.frozen
class EmailAddress(Rule):
    def check(self, value: object) -> str:
        return email_address(value)


def rule_of(type_: Any) -> Rule | None:
    """The rule an `Annotated[base, rule]` type carries, or None for any other type."""
    if get_origin(type_) is not Annotated:
        return None
    return next((meta for meta in get_args(type_)[1:] if isinstance(meta, Rule)), None)


# Text from a query string or a path, read as the field's type.

# Longer digit strings are not parsed at all: no real value has them, and int() of a huge
# string is slow.
INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,30}")


def int_from_text(raw: str) -> int:
    raw = raw.strip()
    if not INTEGER_TEXT.fullmatch(raw):
        raise FieldError(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        )
    return int(raw)


# The spellings FastAPI (pydantic) accepts, in any case. settings.py reads its environment
# variables with a vocabulary of its own.
_TRUE_TEXT = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE_TEXT = frozenset({"false", "0", "no", "off", "f", "n"})


def bool_from_text(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE_TEXT:
        return True
    if lowered in _FALSE_TEXT:
        return False
    raise FieldError("bool_parsing", "Input should be a valid boolean, unable to interpret input")


def _text_as_is(raw: str) -> str:
    return raw


FROM_QUERY_TEXT: dict[type, Callable[[str], Any]] = {
    int: int_from_text,
    bool: bool_from_text,
    str: _text_as_is,
}


# Structure hooks, built once per annotated type, when cattrs first meets it.


def has_rule(type_: Any) -> bool:
    return rule_of(type_) is not None


def rule_hook(type_: Any) -> Callable[[Any, Any], Any]:
    check = rule_of(type_).check  # type: ignore[union-attr]
    return lambda value, _type: check(value)


def query_rule_hook(type_: Any) -> Callable[[Any, Any], Any]:
    check = rule_of(type_).check  # type: ignore[union-attr]
    from_text = FROM_QUERY_TEXT[get_args(type_)[0]]
    return lambda raw, _type: check(from_text(raw))


# The one formatter of FastAPI's 422 shape.


def error_item(loc: list[str | int], type_: str, msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": type_}


def _field_name(error: BaseException) -> str:
    notes = getattr(error, "__notes__", ())
    return next(note.name for note in notes if isinstance(note, AttributeValidationNote))


def structure_request(
    converter: BaseConverter, data: Any, cls: type[Model], location: str
) -> Model:
    """`data` as `cls`, or RequestValidationError naming every bad field under `location`."""
    if not isinstance(data, dict):
        raise RequestValidationError(
            [
                error_item(
                    [location],
                    "model_attributes_type",
                    "Input should be a valid dictionary or object to extract fields from",
                )
            ]
        )
    try:
        return converter.structure(data, cls)
    except ClassValidationError as failure:
        errors = []
        for error in failure.exceptions:
            loc: list[str | int] = [location, _field_name(error)]
            if isinstance(error, FieldError):
                errors.append(error_item(loc, error.type, error.msg))
            elif isinstance(error, KeyError):
                errors.append(error_item(loc, "missing", "Field required"))
            else:
                raise  # not the client's input: a fault of ours
        raise RequestValidationError(errors) from None
