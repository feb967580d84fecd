"""Maps the repository's folders into the one import namespace ``jiedao`` (see pyproject.toml).

``core/``, ``schema/``, ``plugins/`` and ``migrations/`` stay at the top of the repository
and install as ``jiedao.core``, ``jiedao.schema``, ``jiedao.plugins`` and ``jiedao.migrations``.
Folders without ``__init__.py`` (Alembic revisions, static files, the scaffold's template,
the Mosquitto settings) are shipped too.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = ("core", "schema", "plugins", "migrations")

packages = ["jiedao", "jiedao.api"]
for folder in FOLDERS:
    found = find_namespace_packages(folder, exclude=["*__pycache__*", "*.egg-info*"])
    packages += [f"jiedao.{folder}", *(f"jiedao.{folder}.{sub}" for sub in found)]

setup(packages=packages, package_dir={"jiedao": "jiedao", **{f"jiedao.{folder}": folder for folder in FOLDERS}})
