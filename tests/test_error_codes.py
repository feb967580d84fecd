"""Every error code a refusal can carry is a value of the GraphQL enum ``ErrorCode``: the
kernel's own, or one its plugin declares in ``PluginInfo(error_codes=...)``."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import GraphQLError

from jiedao.core.contributions import Contributions, Register
from jiedao.core.errors import ConfigurationError
from jiedao.core.plugins import discover
from jiedao.schema.errors import KERNEL_ERROR_CODES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "volunteer-service"
RAISERS = {"DomainError", "UserError"}


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "TEXT"`` assignments (codes kept in a constant)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.update({t.id: node.value.value for t in node.targets if isinstance(t, ast.Name)})
    return found


def codes_used(folder: Path) -> dict[str, list[str]]:
    """code -> the places (file:line) where a ``DomainError``/``UserError`` is made with it.
    A code that is neither a text nor a module constant is reported as ``<dynamic>`` unless
    it is passed on from another error (``code=error.code``)."""
    used: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        if "tests" in path.relative_to(folder).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in RAISERS):
                continue
            code = next((k.value for k in node.keywords if k.arg == "code"), None)
            if code is None:
                name = "INVALID" if getattr(node.func, "id", getattr(node.func, "attr", None)) == "DomainError" else None
            elif isinstance(code, ast.Constant):
                name = code.value
            elif isinstance(code, ast.Name) and code.id in constants:
                name = constants[code.id]
            elif isinstance(code, ast.Attribute) and code.attr == "code":
                continue
            else:
                name = "<dynamic>"
            if name is not None:
                used.setdefault(name, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return used


def _example_codes() -> dict[str, str]:
    script = "import json; from jiedao_volunteer.plugin import PLUGIN; print(json.dumps(dict(PLUGIN.error_codes)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(EXAMPLE)}, check=True)
    return json.loads(done.stdout)


def _undeclared(folder: Path, declared: dict[str, str]) -> list[str]:
    allowed = set(KERNEL_ERROR_CODES) | set(declared)
    return [f"{code} at {', '.join(places)}" for code, places in codes_used(folder).items() if code not in allowed]


def test_the_kernel_raises_only_its_own_codes():
    undeclared = [*_undeclared(ROOT / "core", {}), *_undeclared(ROOT / "schema", {})]
    assert undeclared == [], "add these codes to KERNEL_ERROR_CODES (schema/errors.py) or use one there"


def test_every_plugin_raises_only_codes_it_declares_or_the_kernels():
    plugins = discover().plugins
    problems = {}
    for name, plugin in plugins.items():
        if undeclared := _undeclared(Path(plugin.module.__file__).parent, dict(plugin.info.error_codes)):
            problems[name] = undeclared
    undeclared = _undeclared(EXAMPLE / "jiedao_volunteer", _example_codes())
    if undeclared:
        problems["volunteer (example)"] = undeclared
    assert problems == {}, "declare these codes in the plugin's PluginInfo(error_codes=...) or use a kernel code"


def test_a_plugin_declares_only_codes_it_uses():
    for name, plugin in discover().plugins.items():
        unused = set(plugin.info.error_codes) - set(codes_used(Path(plugin.module.__file__).parent))
        assert unused == set(), f"plugin '{name}' declares error codes it never raises"


async def test_the_schema_lists_every_code_with_its_description(kernel):
    enum = kernel.schemas.full._schema.type_map["ErrorCode"]
    declared = {code for plugin in discover().plugins.values() for code in plugin.info.error_codes}
    assert set(enum.values) == set(KERNEL_ERROR_CODES) | declared
    assert [name for name, value in enum.values.items() if not (value.description or "").strip()] == []
    assert str(kernel.schemas.full._schema.type_map["UserError"].fields["code"].type) == "ErrorCode!"


async def test_a_refusal_with_an_undeclared_code_fails_loudly(kernel):
    enum = kernel.schemas.full._schema.type_map["ErrorCode"]
    assert enum.serialize("ALREADY_SIGNED") == "ALREADY_SIGNED"
    with pytest.raises(GraphQLError, match="cannot represent value"):
        enum.serialize("NEVER_DECLARED")


@pytest.mark.parametrize(
    ("codes", "problem"),
    [
        ({"already signed": "x"}, "use CAPITALS"),
        ({"NOT_FOUND": "No such thing."}, "which is the kernel's"),
        ({"WISH_GRANTED": " "}, "without a description"),
    ],
)
def test_a_badly_declared_code_stops_start_up_naming_the_plugin(codes, problem):
    with pytest.raises(ConfigurationError, match=rf"plugin 'wishes' .*{problem}"):
        Register("wishes", Contributions()).error_codes(codes)
