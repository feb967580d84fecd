"""``jiedao plugins new``: generate an installable plugin distribution from ``template/``.

Every file under ``template/`` is copied with ``$name`` (the plugin name, e.g. ``wishes``),
``$package`` (``jiedao_wishes``), ``$Name`` (``Wishes``), ``$camel`` (``wishes``) and
``$title`` substituted; ``package/`` becomes the Python package. The result has the one
layout of every Jiedao plugin (``LAYOUT``) and imports Jiedao only through ``jiedao.api``.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from jiedao.core import __version__

TEMPLATE = Path(__file__).resolve().parent / "template"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
LAYOUT = (
    "plugin.py", "models.py", "service.py", "graphql/__init__.py", "graphql/types.py", "graphql/queries.py",
    "graphql/mutations.py", "seed.py", "cli.py", "migrations/", "locale/zh_CN/LC_MESSAGES/messages.po", "../tests/", "../README.md",
)
"""The one layout of a plugin, relative to its package (``__init__.py`` and ``pyproject.toml`` aside)."""


class ScaffoldError(Exception):
    """The plugin cannot be generated as asked."""


def variables(name: str, title: str | None = None) -> dict[str, str]:
    """The substitutions for plugin ``name``."""
    if not NAME.match(name):
        raise ScaffoldError(f"'{name}' is not a plugin name: use lower-case letters, digits and '_', starting with a letter.")
    words = name.split("_")
    return {
        "name": name,
        "package": f"jiedao_{name}",
        "Name": "".join(w.capitalize() for w in words),
        "camel": words[0] + "".join(w.capitalize() for w in words[1:]),
        "title": title or name.replace("_", " ").capitalize(),
        "jiedao_version": __version__,
        "major_minor": ".".join(__version__.split(".")[:2]),
    }


def generate(name: str, directory: Path, title: str | None = None) -> Path:
    """Write the distribution ``jiedao-<name>`` into ``directory``; returns its folder."""
    values = variables(name, title)
    target = directory / f"jiedao-{name.replace('_', '-')}"
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another --dir or remove it.")
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(TEMPLATE)
        parts = [values["package"] if p == "package" else p for p in relative.parts]
        parts[-1] = parts[-1].removesuffix(".tmpl").replace("NAME", name)
        destination = target.joinpath(*parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(Template(source.read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    return target
