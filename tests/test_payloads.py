"""Every mutation payload is made by ``payload()``: none is written by hand."""

from __future__ import annotations

import ast
from pathlib import Path

from jiedao.core.runner import _PAYLOADS

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "core", ROOT / "plugins", ROOT / "examples", ROOT / "schema"]


def _hand_written_payloads() -> list[str]:
    found = []
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and node.name.endswith("Payload"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    return found


def test_no_payload_class_is_written_by_hand():
    assert _hand_written_payloads() == [], "make these with payload(name, result=Type, items=many(Type), ...)"


async def test_every_payload_of_the_schema_comes_from_payload(kernel):
    made = {cls.__strawberry_definition__.name for cls in _PAYLOADS.values()}
    payloads = {name for name in kernel.schemas.full._schema.type_map if name.endswith("Payload")}
    assert payloads, "the schema has mutation payloads"
    assert payloads - made == set()
