"""Descriptions for the values of the plugin's GraphQL enums."""

from __future__ import annotations


def described(enum_type: type, **descriptions: str) -> type:
    """Give the values of the strawberry enum ``enum_type`` their descriptions (the domain enums
    mix in ``str``, which ``strawberry.enum_value`` members do not allow); every value is named."""
    values = enum_type.__strawberry_definition__.values
    missing = {value.name for value in values} ^ set(descriptions)
    if missing:
        raise TypeError(f"{enum_type.__name__}: describe exactly its values (differs in {sorted(missing)})")
    for value in values:
        value.description = descriptions[value.name]
    return enum_type
