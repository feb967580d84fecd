"""Descriptions for the values of a GraphQL enum made from an existing Python enum.

``strawberry.enum_value(..., description=...)`` needs the enum's own class body, which the
database models keep plain (their values are stored); ``described_enum`` gives the values
their descriptions on the strawberry definition instead, leaving the Python enum as it is.
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
