"""The checked-in SDL matches the schema of Jiedao's own plugins (whatever else is installed)."""

from __future__ import annotations

from pathlib import Path

from jiedao.core.docs import in_tree_sdl

SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


async def test_checked_in_sdl_is_up_to_date():
    assert SDL.read_text(encoding="utf-8") == await in_tree_sdl(), (
        "schema/schema.graphql is stale: run 'jiedao schema export --in-tree > schema/schema.graphql' "
        "and review the difference (a breaking change must be deliberate)"
    )


def test_an_outside_plugin_installed_next_to_jiedao_does_not_change_the_in_tree_sdl(jiedao_cli, hello_plugin_path):
    exported = jiedao_cli(["schema", "export", "--in-tree"], extra_paths=[hello_plugin_path])
    assert exported.exit_code == 0, exported.output
    assert exported.stdout == SDL.read_text(encoding="utf-8")
    everything = jiedao_cli(["schema", "export"], extra_paths=[hello_plugin_path])
    assert "hello" in everything.stdout and everything.stdout != exported.stdout  # the hello plugin's fields are in the full export


async def test_street_sdl_is_a_subset_of_the_full_one(kernel):
    full = kernel.schemas.sdl()
    for street in kernel.config.streets:
        street_sdl = kernel.schemas.sdl(street)
        assert len(street_sdl) <= len(full)
        assert "type Query" in street_sdl
