"""Every part of the public schema says what it is; until all do, the list of those that do
not (``schema/undescribed.txt``) may only shrink."""

from __future__ import annotations

from jiedao.schema.description_audit import SDL, listed, undescribed


def test_no_new_part_of_the_schema_lacks_a_description():
    missing = set(undescribed(SDL.read_text(encoding="utf-8")))
    new = sorted(missing - set(listed()))
    assert not new, "describe these (description=...), or see schema/description_audit.py:\n" + "\n".join(new)


def test_the_list_of_undescribed_parts_only_shrinks():
    missing = set(undescribed(SDL.read_text(encoding="utf-8")))
    described = sorted(set(listed()) - missing)
    assert not described, (
        "described since: rewrite the list with `.venv/bin/python -m jiedao.schema.description_audit --write`:\n" + "\n".join(described)
    )
