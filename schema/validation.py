"""Input validation: the rules every mutation's input passes before its resolver runs.

Limits are declared once, on the input type, with ``Annotated``::

    @strawberry.input
    class OpenCaseInput:
        title: Annotated[str, MaxLength(200)]
        amount_yuan: Annotated[float, Range(0, 1e12)] = 0

and everything undeclared gets a safe default. The rules:

- strings: no NUL or other C0 control character (tab, line feed and carriage return are
  allowed), at most ``MaxLength`` characters (default ``DEFAULT_MAX_LENGTH``; IDs
  ``MAX_ID_LENGTH``);
- datetimes: with a time zone, year within ``YEARS``; dates: year within ``YEARS``;
- floats and decimals: finite, within ``Range`` (default ``±DEFAULT_MAX_NUMBER``);
- ints: within ``Range`` (default: 64-bit);
- JSON values: the same rules for every string and number inside, at most
  ``MAX_JSON_DEPTH`` levels and ``MAX_JSON_ITEMS`` values.

A value that breaks one raises ``DomainError`` with code ``BAD_INPUT`` and ``field`` the
camelCase path of the value inside the mutation's input (``title``,
``findings[2].description``). A limit inside a list (``list[Annotated[str, MaxLength(30)]]``
or ``Annotated[list[str], MaxLength(30)]``) applies to each element.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import math
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any, get_args, get_origin

import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.utils.str_converters import to_camel_case

from jiedao.core.errors import DomainError

BAD_INPUT = "BAD_INPUT"

DEFAULT_MAX_LENGTH = 2_000
"""Characters allowed in a string input that declares no ``MaxLength``."""

LONG_TEXT = 20_000
"""A convenient ``MaxLength`` for minutes, agreements and other long free text."""

YEARS = (1900, 2200)
"""Inclusive range of years a date or datetime input may fall in."""

DEFAULT_MAX_NUMBER = 1e15
"""Absolute bound of a float or decimal input that declares no ``Range``."""

MAX_ID_LENGTH = 200
"""Characters allowed in an ``ID`` input."""

INT64 = (-(2**63), 2**63 - 1)
MAX_JSON_DEPTH = 20
MAX_JSON_ITEMS = 10_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclasses.dataclass(frozen=True)
class MaxLength:
    """At most ``n`` characters (``None``: no limit here, e.g. base64 content checked by size)."""

    n: int | None


@dataclasses.dataclass(frozen=True)
class Range:
    """A number between ``low`` and ``high``, both inclusive (``None``: unbounded on that side)."""

    low: float | None = None
    high: float | None = None


LONG = MaxLength(LONG_TEXT)
"""``Annotated[str, LONG]``: long free text (minutes, agreements, descriptions)."""

Money = Range(0, 1e12)
"""An amount of money in yuan: not negative, below a trillion."""


@dataclasses.dataclass(frozen=True)
class Limits:
    max_length: int | None = DEFAULT_MAX_LENGTH
    range: Range | None = None


@dataclasses.dataclass(frozen=True)
class FieldPlan:
    """How one field of an input type is checked."""

    python_name: str
    graphql_name: str
    limits: Limits
    is_id: bool


def bad_input(field: str, message: str, **params: Any) -> DomainError:
    """The error for a value that breaks a rule (``message``: a catalogue template filled from ``params``)."""
    return DomainError(message, code=BAD_INPUT, field=field, **params)


# -- plans per input type ---------------------------------------------------------------

_PLANS: dict[type, list[FieldPlan]] = {}


def _limits_of(annotation: Any) -> Limits:
    max_length, bound = DEFAULT_MAX_LENGTH, None
    stack = [annotation]
    while stack:
        current = stack.pop()
        for item in getattr(current, "__metadata__", ()):
            if isinstance(item, MaxLength):
                max_length = item.n
            elif isinstance(item, Range):
                bound = item
        stack.extend(a for a in get_args(current) if get_origin(a) is not None or hasattr(a, "__metadata__"))
    return Limits(max_length, bound)


def _is_id(strawberry_type: Any) -> bool:
    while isinstance(strawberry_type, (StrawberryOptional, StrawberryList)):
        strawberry_type = strawberry_type.of_type
    return strawberry_type is strawberry.ID


def plan_of(cls: type, name_of: Callable[[Any], str] | None = None) -> list[FieldPlan]:
    """The checks of input type ``cls``, computed once."""
    plan = _PLANS.get(cls)
    if plan is None:
        plan = []
        for f in cls.__strawberry_definition__.fields:
            annotation = f.type_annotation.evaluate() if f.type_annotation is not None else None
            graphql_name = f.graphql_name or (name_of(f) if name_of else to_camel_case(f.python_name))
            plan.append(FieldPlan(f.python_name, graphql_name, _limits_of(annotation), _is_id(f.type)))
        _PLANS[cls] = plan
    return plan


# -- checking values --------------------------------------------------------------------


@dataclasses.dataclass
class Checked:
    """What a checked input holds that later checks need: its IDs and strings by path."""

    ids: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    strings: dict[str, str] = dataclasses.field(default_factory=dict)
    keys: dict[tuple[str, int], str] = dataclasses.field(default_factory=dict)
    """``(field name, primary key)`` → path of every decoded ID, e.g. ``("residentId", 7)``."""


def check_input(value: Any, path: str, checked: Checked | None = None, name_of: Callable[[Any], str] | None = None) -> Checked:
    """Check ``value`` (a Strawberry input object, list or scalar) found at ``path``;
    raises ``DomainError(code="BAD_INPUT")`` naming the first value that breaks a rule."""
    checked = checked if checked is not None else Checked()
    _check(value, path, Limits(), False, checked, name_of)
    return checked


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _check(value: Any, path: str, limits: Limits, is_id: bool, checked: Checked, name_of) -> None:
    if value is None or isinstance(value, (bool, enum.Enum)):
        return
    if isinstance(value, str):
        check_string(value, path, MAX_ID_LENGTH if is_id else limits.max_length)
        if is_id:
            checked.ids.append((path, value))
        elif len(value) >= 8:
            checked.strings.setdefault(value, path)
        return
    if has_object_definition(value):
        for f in plan_of(type(value), name_of):
            _check(getattr(value, f.python_name), _join(path, f.graphql_name), f.limits, f.is_id, checked, name_of)
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", limits, is_id, checked, name_of)
        return
    if isinstance(value, dict):
        check_json(value, path)
        return
    check_scalar(value, path, limits.range)


def check_string(value: str, path: str, max_length: int | None = DEFAULT_MAX_LENGTH) -> None:
    """No control character but tab and line breaks; at most ``max_length`` characters."""
    if max_length is not None and len(value) > max_length:
        raise bad_input(path, "At most {most} characters are allowed here ({given} given).", most=max_length, given=len(value))
    if (found := _CONTROL.search(value)) is not None:
        raise bad_input(path, "The text holds a control character ({character}) at position {position}.", character=f"U+{ord(found.group()):04X}", position=found.start())


def _out_of(value: Any, path: str, low: Any, high: Any) -> DomainError:
    return bad_input(path, "{value} is out of range: give a value between {low} and {high}.", value=value, low=low, high=high)


def check_scalar(value: Any, path: str, bound: Range | None = None) -> None:
    """Numbers finite and within ``bound`` (or the defaults), moments aware and within ``YEARS``."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise bad_input(path, "Give the time with its time zone, e.g. 2026-05-01T09:00:00+08:00.")
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise bad_input(path, "The year must be between {first} and {last}.", first=YEARS[0], last=YEARS[1])
        return
    if isinstance(value, dt.date):
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise bad_input(path, "The year must be between {first} and {last}.", first=YEARS[0], last=YEARS[1])
        return
    if isinstance(value, int):
        low, high = INT64
        if bound is not None:
            low = low if bound.low is None else bound.low
            high = high if bound.high is None else bound.high
        if not low <= value <= high:
            raise _out_of(value, path, low, high)
        return
    if isinstance(value, (float, Decimal)):
        if not (math.isfinite(value) if isinstance(value, float) else value.is_finite()):
            raise bad_input(path, "The number must be finite.")
        low, high = -DEFAULT_MAX_NUMBER, DEFAULT_MAX_NUMBER
        if bound is not None:
            low = low if bound.low is None else bound.low
            high = high if bound.high is None else bound.high
        if not low <= value <= high:
            raise _out_of(value, path, low, high)


def check_json(value: Any, path: str) -> None:
    """A JSON value: the string and number rules everywhere inside, bounded depth and size."""
    count = 0
    for depth, item in _walk_json(value, 0):
        count += 1
        if depth > MAX_JSON_DEPTH:
            raise bad_input(path, "The value is nested deeper than {most} levels.", most=MAX_JSON_DEPTH)
        if count > MAX_JSON_ITEMS:
            raise bad_input(path, "The value holds more than {most} items.", most=MAX_JSON_ITEMS)
        if isinstance(item, str):
            check_string(item, path, DEFAULT_MAX_LENGTH)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            check_scalar(item, path)


def _walk_json(value: Any, depth: int) -> Iterator[tuple[int, Any]]:
    stack = [(depth, value)]
    while stack:
        depth, item = stack.pop()
        yield depth, item
        if isinstance(item, dict):
            stack.extend((depth + 1, k) for k in item)
            stack.extend((depth + 1, v) for v in item.values())
        elif isinstance(item, list):
            stack.extend((depth + 1, v) for v in item)
