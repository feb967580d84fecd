"""Which parts of the schema have no description: types, fields, arguments, input fields and
enum values, by schema coordinate (``Type``, ``Type.field``, ``Type.field(arg:)``,
``Enum.VALUE``).

Every part of the public schema says what it is (Chinese domain terms with their English);
``tests/test_schema_descriptions.py`` fails, naming them, on any part that does not. To see
them before the test does:

    .venv/bin/python -m jiedao.schema.description_audit
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
)

ROOT = Path(__file__).resolve().parent
SDL = ROOT / "schema.graphql"


def undescribed(sdl: str) -> list[str]:
    """The schema coordinates of the parts of ``sdl`` without a description, sorted."""
    schema = build_schema(sdl)
    missing: list[str] = []
    for name, kind in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing.extend(f"{name}.{field_name}({arg}:)" for arg, argument in field.args.items() if not argument.description)
        elif isinstance(kind, GraphQLInputObjectType):
            missing.extend(f"{name}.{field_name}" for field_name, field in kind.fields.items() if not field.description)
        elif isinstance(kind, GraphQLEnumType):
            missing.extend(f"{name}.{value}" for value, member in kind.values.items() if not member.description)
    return sorted(missing)


def main(argv: list[str]) -> int:
    """Print the parts of ``schema/schema.graphql`` without a description; exit 1 if any."""
    missing = undescribed(SDL.read_text(encoding="utf-8"))
    print("\n".join(missing + [f"{len(missing)} schema parts without a description"]))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
