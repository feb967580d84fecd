"""Descriptions for the values of a GraphQL enum made from an existing Python enum.

``strawberry.enum_value(..., description=...)`` needs the enum's own class body, which the
database models keep plain (their values are stored); ``described_enum`` gives the values
their descriptions on the strawberry definition instead, leaving the Python enum as it is;
``describe_enum_values`` does the same for an enum already declared with ``strawberry.enum``
(plugins use it through ``jiedao.api.graphql``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

import strawberry


def described_enum(enum: type[Enum], name: str, description: str, values: Mapping[str, str]) -> Any:
    """``strawberry.enum(enum, name=..., description=...)`` whose values carry the descriptions
    in ``values`` (member name -> description); naming a member the enum lacks is an error."""
    unknown = set(values) - set(enum.__members__)
    if unknown:
        raise ValueError(f"{name}: no such values {sorted(unknown)}")
    graphql_enum = strawberry.enum(enum, name=name, description=description)
    for value in graphql_enum.__strawberry_definition__.values:
        if value.name in values:
            value.description = values[value.name]
    return graphql_enum


def describe_enum_values(enum_type: type, **descriptions: str) -> type:
    """Give the values of the strawberry enum ``enum_type`` their descriptions, every value
    named (a plugin's domain enums mix in ``str``, which ``strawberry.enum_value`` members do
    not allow); returns ``enum_type``."""
    values = enum_type.__strawberry_definition__.values
    differ = {value.name for value in values} ^ set(descriptions)
    if differ:
        raise TypeError(f"{enum_type.__name__}: describe exactly its values (differs in {sorted(differ)})")
    for value in values:
        value.description = descriptions[value.name]
    return enum_type
