"""The checked-in SDL matches the schema of every installed plugin."""

from __future__ import annotations

from pathlib import Path

SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


async def test_checked_in_sdl_is_up_to_date(kernel):
    assert SDL.read_text(encoding="utf-8") == kernel.schemas.sdl(), (
        "schema/schema.graphql is stale: run 'jiedao schema export > schema/schema.graphql' "
        "and review the difference (a breaking change must be deliberate)"
    )


async def test_street_sdl_is_a_subset_of_the_full_one(kernel):
    full = kernel.schemas.sdl()
    for street in kernel.config.streets:
        street_sdl = kernel.schemas.sdl(street)
        assert len(street_sdl) <= len(full)
        assert "type Query" in street_sdl
