"""Every part of the public schema says what it is: types, fields, arguments, input fields
and enum values (``schema/description_audit.py`` lists those that do not)."""

from __future__ import annotations

from jiedao.core.docs import in_tree_sdl
from jiedao.schema.description_audit import undescribed


async def test_every_part_of_the_schema_has_a_description():
    missing = undescribed(await in_tree_sdl())
    assert not missing, "describe these (description=...):\n" + "\n".join(missing)
