"""The plugin authoring kit: scaffold a plugin, add a field, see it in one street only."""

from __future__ import annotations

import asyncio
import ast
from pathlib import Path

import pytest

from jiedao.core import migrate
from jiedao.core.docs import GUIDE, render_guide
from jiedao.core.scaffold import LAYOUT, ScaffoldError, generate
from jiedao.core.testing.distributions import install_distribution, run_pytest
from jiedao.core.testing.fixtures import app_client

GREETING_FIELD = '''
    @strawberry.field(description="A greeting from the plugin.", permission_classes=allow("core.registry.read"))
    def wishes_greeting(self, info: strawberry.Info) -> str:
        return f"祝{info.context.street}一切顺利"
'''


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory) -> tuple[Path, Path]:
    """`jiedao plugins new wishes`, one field added by hand, installed into its own folder."""
    root = tmp_path_factory.mktemp("scaffold")
    project = generate("wishes", root, "心愿墙")
    graphql = project / "jiedao_wishes" / "graphql" / "queries.py"
    source = graphql.read_text(encoding="utf-8")
    anchor = "class WishesQuery:\n"
    graphql.write_text(source.replace(anchor, anchor + GREETING_FIELD, 1), encoding="utf-8")
    site = root / "site"
    install_distribution(project, site)
    return project, site


def test_the_generated_plugin_passes_its_own_tests_untouched(scaffolded):
    project, site = scaffolded
    result = run_pytest(project, site)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout


async def test_the_added_field_shows_in_the_enabling_street_only(scaffolded, make_kernel, password_hash, request):
    _, site = scaffolded
    kernel = await make_kernel(
        streets={"changqing": {"name": "长庆街道", "plugins": ["wishes"]}, "gongchen": {"name": "拱宸桥街道", "plugins": []}},
        extra_plugin_paths=[site],
    )
    owner_url = getattr(request.node, "jiedao_owner_url", None) or kernel.config.database_url
    await asyncio.to_thread(migrate.upgrade, kernel, "wishes@head", owner_url)
    async with app_client(kernel, password_hash) as client:
        token = await client.token("community_worker")
        assert (await client.query("{ wishesGreeting }", token=token))["wishesGreeting"] == "祝changqing一切顺利"
        anonymous = await client.errors("{ wishesGreeting }")
        assert anonymous[0]["extensions"]["code"] == "UNAUTHENTICATED"  # deny by default, as the guide writes it
        graphiql = await client.http.get("/graphql/changqing", headers={"accept": "text/html"})
        assert graphiql.status_code == 200
        errors = await client.errors("{ wishesGreeting }", street="gongchen")
        assert "plugin 'wishes'" in errors[0]["message"]


def test_the_scaffold_generates_the_one_layout_using_only_the_facade(tmp_path):
    package = generate("notes", tmp_path) / "jiedao_notes"
    files = {p.relative_to(package).as_posix() for p in package.rglob("*.py")}
    expected = {f for f in LAYOUT if f.endswith(".py")} | {"__init__.py", "migrations/notes_0001.py"}
    assert files == expected
    assert all((package / f).exists() for f in LAYOUT if f.endswith("/"))
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        jiedao = {m for m in imported if m.split(".")[0] in ("jiedao", "core", "schema", "plugins", "migrations")}
        outside = {m for m in jiedao if m != "jiedao.api" and not m.startswith("jiedao.api.")}
        assert outside == set(), f"{path.name} imports {outside}"


def test_scaffold_refuses_bad_names_and_existing_folders(tmp_path):
    with pytest.raises(ScaffoldError):
        generate("Bad-Name", tmp_path)
    generate("notes", tmp_path)
    with pytest.raises(ScaffoldError):
        generate("notes", tmp_path)


def test_the_hook_reference_in_the_guide_is_generated_from_the_specs():
    current = GUIDE.read_text(encoding="utf-8")
    assert render_guide(current) == current, "run 'jiedao plugins docs' after changing core/hookspecs.py"
    assert "### `jiedao_schema(register)`" in current
