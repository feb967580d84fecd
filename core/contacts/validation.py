"""Checking one emergency contact, the same way for GraphQL and for CSV imports."""

from __future__ import annotations

from dataclasses import dataclass

from jiedao.core.contacts.phones import PHONE_RULE, normalise_phone
from jiedao.core.importfile import text_problem

NAME_LIMIT, RELATION_LIMIT = 50, 20


@dataclass(frozen=True)
class ContactEntry:
    """An emergency contact as entered: name, relation (女儿, 邻居 …) and phone."""

    name: str
    relation: str
    phone: str


def contact_problems(entry: ContactEntry) -> tuple[ContactEntry, list[tuple[str, str]]]:
    """The entry cleaned (stripped, phone normalised) and its problems as ``(field, reason)``
    with field ``name``, ``relation`` or ``phone``."""
    name, relation, phone = entry.name.strip(), entry.relation.strip(), entry.phone.strip()
    problems: list[tuple[str, str]] = []
    for field, value, limit in (("name", name, NAME_LIMIT), ("relation", relation, RELATION_LIMIT), ("phone", phone, 30)):
        if not value:
            problems.append((field, "empty"))
        elif reason := text_problem(value, limit):
            problems.append((field, reason))
    normalised = normalise_phone(phone) if phone and not any(f == "phone" for f, _ in problems) else None
    if phone and normalised is None and not any(f == "phone" for f, _ in problems):
        problems.append(("phone", f"'{phone}' is not {PHONE_RULE}"))
    return ContactEntry(name, relation, normalised or phone), problems
