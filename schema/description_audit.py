"""Which parts of the schema have no description: types, fields, arguments, input fields and
enum values, by schema coordinate (``Type``, ``Type.field``, ``Type.field(arg:)``,
``Enum.VALUE``).

Every part of the public schema should say what it is (Chinese domain terms with their
English). Until all do, ``schema/undescribed.txt`` lists the parts that do not, and a test
keeps that list shrinking: a new part without a description fails, and so does a listed part
that has since been described (take it off the list). Rewrite the list after describing:

    .venv/bin/python -m jiedao.schema.description_audit --write
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
UNDESCRIBED = ROOT / "undescribed.txt"


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


def listed() -> list[str]:
    """The coordinates ``schema/undescribed.txt`` still allows to lack a description."""
    if not UNDESCRIBED.exists():
        return []
    return [line.strip() for line in UNDESCRIBED.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]


def main(argv: list[str]) -> int:
    """``--write``: rewrite ``schema/undescribed.txt`` from ``schema/schema.graphql``; otherwise print the count."""
    missing = undescribed(SDL.read_text(encoding="utf-8"))
    if "--write" in argv:
        header = "# Schema parts without a description (schema/description_audit.py); this list only shrinks.\n"
        UNDESCRIBED.write_text(header + "".join(f"{coordinate}\n" for coordinate in missing), encoding="utf-8")
    print(f"{len(missing)} schema parts without a description")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
