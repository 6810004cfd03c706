"""Turning client input into attrs models, with every bad field reported at once.

The rules live on the models as attrs validators (`text`, `integer`, `boolean`, `email_address`
below). The cattrs hook at the bottom runs them field by field, collects what fails into
FastAPI's 422 shape and only then builds the model, so one request reports all its mistakes.
"""

import re
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import attrs
from email_validator import EmailNotValidError

from socialproof.emails import normalize_email
from socialproof.errors import RequestValidationError

MAX_BIGINT = 2**63 - 1
# Longer digit strings are not parsed at all: no real value has them, and int() of a huge
# string is slow.
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]{1,30}")

Model = TypeVar("Model")


class FieldError(Exception):
    """One field's problem, named by a FastAPI/pydantic error type."""

    def __init__(self, type_: str, msg: str) -> None:
        super().__init__(msg)
        self.type = type_
        self.msg = msg


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# Validators: attrs calls them as validator(instance, attribute, value); `from_text` reads the
# same kind of value from a query string, where everything arrives as text.


@attrs.frozen
class Text:
    min_length: int
    max_length: int
    pattern: str | None = None
    _regex: re.Pattern[str] | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        regex = re.compile(self.pattern) if self.pattern else None
        object.__setattr__(self, "_regex", regex)

    def __call__(self, _instance: object, _attribute: object, value: object) -> None:
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

    def from_text(self, raw: str) -> str:
        return raw


@attrs.frozen
class Integer:
    ge: int
    le: int

    def __call__(self, _instance: object, _attribute: object, value: object) -> None:
        if type(value) is not int:  # bool is an int subclass, and is not accepted
            raise FieldError("int_type", "Input should be a valid integer")
        if value < self.ge:
            raise FieldError(
                "greater_than_equal", f"Input should be greater than or equal to {self.ge}"
            )
        if value > self.le:
            raise FieldError("less_than_equal", f"Input should be less than or equal to {self.le}")

    def from_text(self, raw: str) -> int:
        if not _INTEGER_TEXT.fullmatch(raw.strip()):
            raise FieldError(
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            )
        return int(raw)


_TRUE_TEXT = frozenset({"true", "1", "yes", "on", "t", "y"})
_FALSE_TEXT = frozenset({"false", "0", "no", "off", "f", "n"})


@attrs.frozen
class Boolean:
    def __call__(self, _instance: object, _attribute: object, value: object) -> None:
        if type(value) is not bool:
            raise FieldError("bool_type", "Input should be a valid boolean")

    def from_text(self, raw: str) -> bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE_TEXT:
            return True
        if lowered in _FALSE_TEXT:
            return False
        raise FieldError(
            "bool_parsing", "Input should be a valid boolean, unable to interpret input"
        )


@attrs.frozen
class Optional:
    """`inner`, or null (an absent field keeps its default)."""

    inner: Text | Integer | Boolean

    def __call__(self, instance: object, attribute: object, value: object) -> None:
        if value is not None:
            self.inner(instance, attribute, value)

    def from_text(self, raw: str) -> object:
        return self.inner.from_text(raw)


text = Text
integer = Integer
boolean = Boolean
optional = Optional


def whole_number(value: object) -> object:
    """attrs converter: a float with nothing after the point (5.0) counts as that integer, as in
    JSON Schema and in FastAPI; 5.5 does not. Anything else is left for the validator."""
    if type(value) is float:
        if not value.is_integer():
            raise FieldError(
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
            )
        return int(value)
    return value


def email_address(value: object) -> str:
    """attrs converter: a syntactically valid email in email-validator's normalized form."""
    if not isinstance(value, str):
        raise FieldError("string_type", "Input should be a valid string")
    try:
        return normalize_email(value)
    except EmailNotValidError as error:
        raise FieldError("value_error", f"value is not a valid email address: {error}") from None


def optional_email_address(value: object) -> str | None:
    return None if value is None else email_address(value)


# The hook that cattrs uses for request models.


class RequestModel:
    """Base of the request models; `location` is where their fields come from."""

    location: ClassVar[str] = "body"


class QueryModel(RequestModel):
    location: ClassVar[str] = "query"


def error_item(loc: list[str | int], type_: str, msg: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": type_}


def make_request_hook(cls: type[Model]) -> Callable[[Any, type[Model]], Model]:
    """cattrs structure hook for one request model class, built once per class."""
    location = cls.location  # type: ignore[attr-defined]
    fields = attrs.fields(cls)  # type: ignore[misc]

    def structure(data: Any, _cls: type[Model]) -> Model:
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
        errors: list[dict[str, Any]] = []
        values: dict[str, Any] = {}
        for field in fields:
            if field.name not in data:
                if field.default is attrs.NOTHING:
                    errors.append(error_item([location, field.name], "missing", "Field required"))
                else:
                    values[field.name] = field.default
                continue
            value = data[field.name]
            try:
                if location == "query" and field.validator is not None:
                    value = field.validator.from_text(value)  # type: ignore[union-attr]
                if field.converter is not None:
                    value = field.converter(value)  # type: ignore[call-arg,operator]
                if field.validator is not None:
                    field.validator(None, field, value)
            except FieldError as error:
                errors.append(error_item([location, field.name], error.type, error.msg))
                continue
            values[field.name] = value
        if errors:
            raise RequestValidationError(errors)
        # Every field was converted and validated above; build the model without doing it again.
        model = object.__new__(cls)
        for name, value in values.items():
            object.__setattr__(model, name, value)
        return model

    return structure


def is_request_model(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, RequestModel) and attrs.has(cls)
