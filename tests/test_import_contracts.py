"""Import contracts of the one namespace ``jiedao``, checked on the real import graph (grimp).

- ``jiedao.schema`` (the GraphQL toolkit) imports nothing of ``jiedao.core`` but the database
  layer, the errors and the message catalogue, and those import nothing of ``jiedao.schema``: no cycle between packages.
- ``jiedao.core`` and ``jiedao.schema`` import no plugin.
- No plugin imports another plugin (they talk through events, work items and hooks).
- A plugin's own modules (its tests aside) import Jiedao only through the façade ``jiedao.api``;
  so does the example plugin outside the tree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
DATABASE_LAYER = {"jiedao.core.db", "jiedao.core.db_alone", "jiedao.core.db_checks", "jiedao.core.db_retry", "jiedao.core.errors", "jiedao.core.messages", "jiedao.core.messages_graphql",
                  "jiedao.core.replicas"}
FACADE = "jiedao.api"


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("jiedao", exclude_type_checking_imports=True)


def modules_of(package: str) -> set[str]:
    return {m for m in graph().modules if m == package or m.startswith(package + ".")}


def plugin_names() -> list[str]:
    return sorted({m.split(".")[2] for m in modules_of("jiedao.plugins") if m.count(".") >= 2})


def imports_of(module: str) -> set[str]:
    return graph().find_modules_directly_imported_by(module)


def test_the_toolkit_imports_only_the_database_layer_of_the_kernel():
    wrong = sorted(
        f"{m} imports {target}"
        for m in modules_of("jiedao.schema")
        for target in imports_of(m)
        if target.startswith("jiedao.core") and target not in DATABASE_LAYER
    )
    assert wrong == []


def test_the_database_layer_imports_nothing_of_the_toolkit_so_packages_have_no_cycle():
    wrong = sorted(
        f"{m} imports {target}"
        for m in DATABASE_LAYER & graph().modules
        for target in graph().find_upstream_modules(m)
        if target.startswith("jiedao.schema")
    )
    assert wrong == []


def test_the_kernel_and_the_toolkit_import_no_plugin():
    wrong = sorted(
        f"{m} imports {target}"
        for package in ("jiedao.core", "jiedao.schema", "jiedao.api")
        for m in modules_of(package)
        for target in imports_of(m)
        if target.startswith("jiedao.plugins.")
    )
    assert wrong == []


def test_no_plugin_imports_another_plugin():
    """A plugin's tests may stage another plugin's rows (the cockpit's tests make alarms)."""
    wrong = []
    for plugin in plugin_names():
        own = f"jiedao.plugins.{plugin}"
        for m in modules_of(own):
            if ".tests" in m:
                continue
            wrong += [f"{m} imports {t}" for t in imports_of(m) if t.startswith("jiedao.plugins.") and not (t == own or t.startswith(own + "."))]
    assert sorted(wrong) == []


def test_plugins_use_only_the_facade():
    wrong = []
    for plugin in plugin_names():
        own = f"jiedao.plugins.{plugin}"
        for m in modules_of(own):
            if ".tests" in m:
                continue
            wrong += [
                f"{m} imports {t}"
                for t in imports_of(m)
                if t.startswith("jiedao.") and not _is_facade(t) and t != "jiedao.plugins" and not (t == own or t.startswith(own + "."))
            ]
    assert sorted(wrong) == []


def test_the_example_plugin_and_the_scaffold_use_only_the_facade():
    sources = [*(ROOT / "examples" / "volunteer-service" / "jiedao_volunteer").rglob("*.py")]
    template = ROOT / "core" / "scaffold" / "template"
    sources += [p for p in template.rglob("*.py.tmpl") if "tests" not in p.parts]
    wrong = [f"{path.relative_to(ROOT)} imports {name}" for path in sources for name in _jiedao_imports_text(path) if not _is_facade(name)]
    assert wrong == []


def _is_facade(module: str) -> bool:
    """``jiedao.api`` or one of its themed submodules (``jiedao.api.work`` ...)."""
    return module == FACADE or module.startswith(FACADE + ".")


def _jiedao_imports_text(path: Path) -> list[str]:
    """Like ``_jiedao_imports``, for files that are templates (``$name`` placeholders)."""
    text = path.read_text(encoding="utf-8").replace("$name", "placeholder").replace("${name}", "placeholder")
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(("from jiedao", "import jiedao"))]
    names = [line.split()[1] for line in lines]
    return [name for name in names if name == "jiedao" or name.startswith("jiedao.")]


def test_the_facade_top_level_stays_small_and_its_themes_say_what_they_export():
    """``jiedao.api`` holds what nearly every plugin uses; the rest sits in themed submodules."""
    import importlib
    import pkgutil

    import jiedao.api as facade

    assert len(facade.__all__) <= 30
    for info in pkgutil.iter_modules(facade.__path__):
        module = importlib.import_module(f"{FACADE}.{info.name}")
        assert module.__doc__, f"{FACADE}.{info.name} has no docstring"
        public = {name for name in vars(module) if not name.startswith(("_", "@")) and name != "annotations"}
        assert public == set(module.__all__), f"{FACADE}.{info.name}: __all__ differs from what it imports"
