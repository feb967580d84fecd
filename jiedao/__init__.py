"""Jiedao: the one import namespace of the distribution.

The repository keeps its top-level folders (``core/``, ``schema/``, ``plugins/``,
``migrations/``); installed, they are ``jiedao.core``, ``jiedao.schema``, ``jiedao.plugins`` and
``jiedao.migrations`` (``setup.py`` maps them). In a source checkout the folders are found
next to this package, so ``import jiedao.core`` works without installing.
"""

from pathlib import Path

_checkout = Path(__file__).resolve().parent.parent
if (_checkout / "core" / "__init__.py").is_file():
    __path__.append(str(_checkout))  # noqa: F821 - the package's own search path
